/**
 * What the SDK's isolate execution timeout costs per call into a workflow context: the SDK passes
 * `timeout: isolateExecutionTimeoutMs` to every `runInContext`, and Node starts a watchdog for each such call.
 * Prints CPU and wall microseconds per call with and without a timeout (docs/benchmarks.md, Bulk decisions).
 *
 *   npx tsx bench/vm-timeout.ts [calls]      (default 20000)
 */
import vm from 'node:vm';
import { formatLoad } from './load-average';

const calls = Number(process.argv[2] ?? 20_000);
const context = vm.createContext({ x: 0 });
const script = new vm.Script('x++');
for (const options of [{}, { timeout: 5000 }, {}, { timeout: 5000 }]) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) script.runInContext(context, options);
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${JSON.stringify(options)}: ${((cpu.user + cpu.system) / calls).toFixed(1)} us CPU, ` +
      `${(((performance.now() - t0) * 1000) / calls).toFixed(1)} us wall per call`,
  );
}
console.log(`load average ${formatLoad()}`);
