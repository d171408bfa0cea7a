import type { World } from "../world.ts";
import { classic } from "./classic.ts";
import { flatOverclaimed } from "./flat-overclaimed.ts";
import { trace } from "./trace.ts";

/** Every world of the suite, in the order the report shows them. */
export const worlds: readonly World[] = [classic, trace, flatOverclaimed];
