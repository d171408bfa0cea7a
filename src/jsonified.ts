/**
 * A value as it looks after JSON: dates become ISO strings. The shape of what the HTTP API sends
 * for an engine type, as the CLI (over the API or in process) and the dashboard read it.
 */
export type Jsonified<T> = T extends Date
  ? string
  : T extends (infer Item)[]
    ? Jsonified<Item>[]
    : T extends object
      ? { [K in keyof T]: Jsonified<T[K]> }
      : T;
