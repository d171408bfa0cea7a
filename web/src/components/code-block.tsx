import { useRef, useState } from "preact/hooks";

/**
 * A command or SQL to copy and run: monospace, with a Copy button. Where the browser refuses the
 * clipboard (a page served over plain HTTP from another machine), the text is selected instead,
 * for Ctrl+C.
 */
export function CodeBlock({ code, label, testId }: { code: string; label: string; testId?: string }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<"copied" | "selected" | null>(null);

  async function copy() {
    try {
      await navigator.clipboard.writeText(code);
      setCopied("copied");
    } catch {
      const selection = window.getSelection();
      if (pre.current !== null && selection !== null) selection.selectAllChildren(pre.current);
      setCopied("selected");
    }
    setTimeout(() => setCopied(null), 2_000);
  }

  return (
    <div class="code-block">
      <span class="code-block-label muted">{label}</span>
      <div class="code-block-body">
        <pre ref={pre} data-testid={testId}>
          <code>{code}</code>
        </pre>
        <button
          type="button"
          class="button code-copy"
          onClick={() => void copy()}
          aria-label={`Copy the ${label}`}
        >
          {copied === "copied" ? "Copied" : copied === "selected" ? "Selected: Ctrl+C" : "Copy"}
        </button>
      </div>
    </div>
  );
}
