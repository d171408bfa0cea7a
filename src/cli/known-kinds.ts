import { builtInKinds } from "../app/built-in-kinds.ts";
import { demoKinds } from "../demo/demo-kinds.ts";
import type { TaskKind } from "../tasks/task-kinds.ts";

/**
 * The task kinds every `steward` process knows: the built-in ones and the demo's simulated
 * ones. Every process registers the same set, so that a task enqueued by one command can be
 * validated by the next and run by any worker (`steward worker --kinds` narrows what one runs).
 */
export const knownKinds: TaskKind[] = [...builtInKinds, ...demoKinds];
