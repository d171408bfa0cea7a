/**
 * The NAB corpus as the scorer needs it: each series' values and its labelled windows turned
 * into index ranges. A window [t₁, t₂] covers the rows whose timestamps lie between its limits,
 * as NAB's labeller selects them (timestamps compared as times, so "2014-04-10 07:15:00" and
 * "2014-04-10 07:15:00.000000" are the same instant).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

export interface NabSeries {
  /** Path relative to data/, e.g. "realKnownCause/nyc_taxi.csv": NAB's key in the windows file. */
  name: string;
  category: string;
  values: number[];
  /** Inclusive index ranges of the labelled anomaly windows, in time order. */
  windows: { start: number; end: number }[];
}

function timeOf(text: string, where: string): number {
  const ms = Date.parse(`${text.trim().replace(" ", "T")}Z`);
  if (!Number.isFinite(ms)) throw new Error(`${where}: "${text}" is not a timestamp`);
  return ms;
}

function readSeries(file: string, name: string): { times: number[]; values: number[] } {
  const lines = readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [time, value] = lines[i]!.split(",");
    const v = Number(value);
    if (time === undefined || !Number.isFinite(v))
      throw new Error(`${name}:${i + 1}: expected timestamp,value`);
    times.push(timeOf(time, `${name}:${i + 1}`));
    values.push(v);
  }
  return { times, values };
}

export function loadNabCorpus(dataDir: string): NabSeries[] {
  const windowsFile = path.join(dataDir, "combined_windows.json");
  const labels = JSON.parse(readFileSync(windowsFile, "utf8")) as Record<string, [string, string][]>;
  const root = path.join(dataDir, "data");
  const series: NabSeries[] = [];
  for (const category of readdirSync(root).sort()) {
    if (!statSync(path.join(root, category)).isDirectory()) continue;
    for (const file of readdirSync(path.join(root, category)).sort()) {
      if (!file.endsWith(".csv")) continue;
      const name = `${category}/${file}`;
      const limits = labels[name];
      if (limits === undefined) throw new Error(`${windowsFile} has no windows for ${name}`);
      const { times, values } = readSeries(path.join(root, category, file), name);
      const windows = limits.map(([from, to]) => {
        const t1 = timeOf(from, windowsFile);
        const t2 = timeOf(to, windowsFile);
        const start = times.findIndex((t) => t >= t1);
        let end = -1;
        for (let i = times.length - 1; i >= 0; i--)
          if (times[i]! <= t2) {
            end = i;
            break;
          }
        if (start < 0 || end < start) throw new Error(`${name}: window ${from} – ${to} covers no row`);
        return { start, end };
      });
      series.push({ name, category, values, windows });
    }
  }
  return series;
}
