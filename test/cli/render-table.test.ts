import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderTable } from "../../src/cli/render-table.ts";

describe("tables", () => {
  const rows = [
    [1, "sleep", "a long error message that would run far past the edge of an ordinary terminal window"],
    [22, "implement_idea", "short"],
  ];

  it("print every cell whole without a width", () => {
    const table = renderTable(["ID", "KIND", "ERROR"], rows);
    assert.match(table, /ordinary terminal window$/m);
    assert.match(table, /^ 1 {2}sleep/m, "numbers are right-aligned");
  });

  it("fit a terminal's width by cutting the widest columns, marking the cut", () => {
    const table = renderTable(["ID", "KIND", "ERROR"], rows, { width: 40 });
    const lines = table.split("\n");
    for (const line of lines) assert.ok(line.length <= 40, `${line.length}: ${line}`);
    assert.match(lines[2]!, /^ 1 {2}sleep {11}a long error messag…$/);
    assert.match(lines[3]!, /^22 {2}implement_idea {2}short$/, "cells that fit stay whole");
  });

  it("never cut a column below its header or 8 characters", () => {
    const table = renderTable(["IDENTIFIER", "KIND"], [["0123456789abcdef", "implement_idea"]], { width: 5 });
    assert.equal(table.split("\n")[2], "012345678…  impleme…");
  });
});
