import { llmKind } from "../models/llm-kind.ts";
import { engineKinds } from "../tasks/built-in-kinds.ts";
import type { TaskKind } from "../tasks/task-kinds.ts";

/**
 * The kinds every Steward knows: the engine's own (noop, sleep) and the one that runs on a
 * model (llm). Assembled here, above both tasks/ and models/, so that neither imports the other
 * for it.
 */
export const builtInKinds: TaskKind[] = [...engineKinds, llmKind];
