/**
 * A sentence of a report as its Markdown writes it: `code spans` (a command, a table's column)
 * shown in monospace rather than with their backticks.
 */
export function Prose({ text }: { text: string }) {
  const parts = text.split(/`([^`\n]+)`/);
  return <>{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}
