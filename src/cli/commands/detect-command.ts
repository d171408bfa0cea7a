import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";
import { StewardError } from "../../errors.ts";
import { defaultDetectorName, detectorNames, runDetector } from "../../telemetry/detect/index.ts";
import { parseSeriesFile } from "../../telemetry/series-file.ts";
import { type CommandIo, globalOptions, tableWidth } from "../command-context.ts";
import { renderTable } from "../render-table.ts";

/**
 * `steward detect <file>`: runs one change detector over a series read from a file. It needs no
 * database and opens none: the detectors are pure functions of the series.
 */
export function registerDetectCommand(program: Command, io: CommandIo): void {
  program
    .command("detect <file>")
    .description(
      "find change points and anomalies in a series: a CSV (timestamp,value, or one number a line; header optional) or a JSON array of numbers",
    )
    .option(
      "--detector <name>",
      `one of ${detectorNames.join(", ")}`,
      (name: string) => {
        // A name off the list is a mistake in the command line: refused as usage, with the list.
        if (!detectorNames.includes(name))
          throw new InvalidArgumentError(
            `unknown detector "${name}"; the detectors are: ${detectorNames.join(", ")}`,
          );
        return name;
      },
      defaultDetectorName,
    )
    .option(
      "--param <key=value>",
      "a detector parameter (repeatable); docs/indicators.md lists each detector's",
      (pair: string, previous: Record<string, string | null> | undefined) => {
        const at = pair.indexOf("=");
        if (at <= 0)
          throw new InvalidArgumentError(`"${pair}" is not key=value (e.g. --param alarmScore=0.8)`);
        const value = pair.slice(at + 1).trim();
        return { ...previous, [pair.slice(0, at).trim()]: value === "null" ? null : value };
      },
    )
    .action(
      (file: string, opts: { detector: string; param?: Record<string, string | null> }, command: Command) => {
        const options = globalOptions(command);
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (error) {
          throw new StewardError("not_found", `cannot read ${file}: ${(error as Error).message}`, {
            details: { file },
          });
        }
        const series = parseSeriesFile(text, file);
        const result = runDetector(opts.detector, series.values, opts.param ?? {});
        if (options.json)
          return io.out(
            JSON.stringify({ detector: result.detector, n: result.n, change_points: result.changePoints }),
          );
        const found = result.changePoints.length;
        io.out(
          `${result.detector}: ${found} change point${found === 1 ? "" : "s"} in ${result.n} values (${file}); indices are 0-based`,
        );
        if (found === 0) return;
        const headers = series.timestamps ? ["index", "timestamp", "value"] : ["index", "value"];
        const rows = result.changePoints.map((i) =>
          series.timestamps ? [i, series.timestamps[i]!, series.values[i]!] : [i, series.values[i]!],
        );
        io.out(`\n${renderTable(headers, rows, { width: tableWidth(io, options) })}`);
      },
    );
}
