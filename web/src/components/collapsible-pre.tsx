import { useState } from "preact/hooks";

// Beyond this, a block shows its first lines only: a 250 kB payload laid out in full is tens of
// thousands of pixels tall, and buries the rest of the page.
const maxLines = 20;
const maxChars = 1_500;

/**
 * Preformatted text (a payload, a result, an error) that stays short on the page: a long one
 * shows its first lines and a "show all (N kB)" button; shown in full, it scrolls within a box
 * of bounded height.
 */
export function CollapsiblePre({
  text,
  testId,
  class: className,
}: {
  text: string;
  testId?: string;
  class?: string;
}) {
  const [open, setOpen] = useState(false);
  const head = firstLines(text);
  if (head === text)
    return (
      <pre class={className} data-testid={testId}>
        {text}
      </pre>
    );
  return (
    <div class="collapsible">
      <pre
        class={`${className ?? ""} ${open ? "pre-open" : "pre-collapsed"}`}
        data-testid={testId}
        data-collapsed={open ? "false" : "true"}
      >
        {open ? text : `${head}\n…`}
      </pre>
      <button
        type="button"
        class="button collapsible-toggle"
        onClick={() => setOpen(!open)}
        data-testid={testId ? `${testId}-toggle` : undefined}
      >
        {open ? "show less" : `show all (${formatSize(text)})`}
      </button>
    </div>
  );
}

function firstLines(text: string): string {
  let end = 0;
  for (let line = 0; line < maxLines; line++) {
    const next = text.indexOf("\n", end);
    if (next < 0) {
      end = text.length;
      break;
    }
    end = next + 1;
  }
  const cut = Math.min(end, maxChars);
  return cut >= text.length ? text : text.slice(0, cut).replace(/\n$/, "");
}

function formatSize(text: string): string {
  const bytes = new TextEncoder().encode(text).length;
  return bytes < 1_024 ? `${bytes} bytes` : `${(bytes / 1_024).toFixed(bytes < 10_240 ? 1 : 0)} kB`;
}
