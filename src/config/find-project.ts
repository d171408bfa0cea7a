import { existsSync, statSync } from "node:fs";
import path from "node:path";

/** The names of a configuration file, in the order they are looked for. */
export const configFileNames = ["steward.config.json", "steward.config.yaml", "steward.config.yml"];

/** The embedded database's folder, relative to the project's folder. */
export const defaultDataFolder = ".steward/db";

export interface ProjectFolder {
  /** The folder whose configuration and embedded database are used. */
  root: string;
  /** False when no folder from `cwd` upwards holds a configuration file or `.steward/`: root is `cwd`. */
  found: boolean;
}

/**
 * Finds the project a command belongs to as git finds its repository: the nearest folder, from
 * `cwd` upwards, holding `steward.config.*` or a `.steward/` folder. So `cd docs && steward task ls`
 * reads the project's database instead of making an empty one in docs/.
 */
export function findProjectFolder(cwd: string): ProjectFolder {
  let folder = path.resolve(cwd);
  for (;;) {
    if (isProjectFolder(folder)) return { root: folder, found: true };
    const parent = path.dirname(folder);
    if (parent === folder) return { root: path.resolve(cwd), found: false };
    folder = parent;
  }
}

function isProjectFolder(folder: string): boolean {
  if (configFileNames.some((name) => existsSync(path.join(folder, name)))) return true;
  try {
    return statSync(path.join(folder, ".steward")).isDirectory();
  } catch {
    return false;
  }
}
