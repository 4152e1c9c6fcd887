import { burst, startServer } from "./bench/lib.ts";
const s = await startServer({ env: {} });
await s.json(`/v1/apps/b/routes`, { method: "POST", body: { route: { path: "/fast", image: "hotfn-test/echo:latest", format: "http", memory: 64, config: { MODE: "sleep", SLEEP_MS: "20" } } } });
const r = await burst(Array.from({ length: 200 }, () => () => s.fetch(`/r/b/fast`, { method: "POST", body: "", timeout: false } as RequestInit)));
console.log("p99", r.latenciesMs[198]);
await Bun.sleep(2000);
const st = (await s.json(`/v1/apps/b/routes/fast/stats`)).body.stats;
console.log(JSON.stringify({ launches: st.launches, estimates: st.estimates, cold: st.cold_starts, run: st.run_time, wait: st.wait_time }));
await s.stop();
