import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import type { StewardError } from "../../src/errors.ts";
import { invalidTasks } from "../../src/tasks/task-input.ts";
import { readTaskLines, withLineNumbers } from "../../src/tasks/task-lines.ts";

const source = (text: string) => Readable.from([text]);

describe("reading tasks from JSON Lines", () => {
  it("skips blank lines and remembers each task's line", async () => {
    const read = await readTaskLines(source('{"kind":"noop"}\n\n  \r\n{"kind":"sleep"}\r\n'), "t.jsonl");
    assert.deepEqual(read.inputs, [{ kind: "noop" }, { kind: "sleep" }]);
    assert.deepEqual(read.lines, [1, 4]);
  });

  it("refuses lines that are not JSON, naming every one", async () => {
    await assert.rejects(
      readTaskLines(source('{"kind":"noop"}\nkind: noop\n{"kind":\n'), "t.jsonl"),
      (error: StewardError) => {
        assert.equal(error.code, "validation_failed");
        assert.match(
          error.message,
          /^t\.jsonl was refused; nothing was added:\n {2}- line 2: not JSON \(.*\); each line must be one JSON task object\n {2}- line 3: not JSON/,
        );
        return true;
      },
    );
  });

  it("reports progress every 10,000 lines", async () => {
    const seen: number[] = [];
    const read = await readTaskLines(source('{"kind":"noop"}\n'.repeat(25_000)), "big.jsonl", (n) =>
      seen.push(n),
    );
    assert.equal(read.inputs.length, 25_000);
    assert.deepEqual(seen, [10_000, 20_000]);
  });

  it("turns the engine's places in the request into line numbers", () => {
    const lines = [1, 3, 7];
    const located = withLineNumbers(
      invalidTasks(
        [
          { path: "tasks[2].payload.ms", message: "expected number" },
          { path: "tasks[0]", message: "unknown field" },
        ],
        3,
      ),
      "t.jsonl",
      lines,
    ) as StewardError;
    assert.equal(
      located.message,
      "t.jsonl (3 tasks) was refused whole; nothing was added:\n  - line 7: payload.ms: expected number\n  - line 1: task: unknown field",
    );
    const single = withLineNumbers(
      invalidTasks([{ path: "urgency", message: "too big" }], 1),
      "t.jsonl",
      [5],
    );
    assert.match((single as StewardError).message, /- line 5: urgency: too big/);
    const other = new Error("connection lost");
    assert.equal(withLineNumbers(other, "t.jsonl", lines), other, "other errors pass through");
  });
});
