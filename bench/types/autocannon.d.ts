// autocannon ships no types; the benchmark uses only these.
declare module "autocannon" {
  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      connections?: number;
      duration?: number;
      requests?: unknown[];
    }
    interface Result {
      non2xx: number;
      errors: number;
      timeouts: number;
      latency: { p50: number; p99: number };
    }
  }
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export default autocannon;
}
