/**
 * `chat-knee-*`: the saturation search. The offered rate of one room's messages goes up until
 * deliveries stop keeping up, then is refined between the highest sustained and the lowest failing rate.
 */
import { fanoutStep, withRoom, type FanoutParams } from './chat-fanout.js';
import type { FanoutStepResult } from './load/fanout.js';
import { isNoisy, mb, rigBound, windowProfile, type Cell, type Metrics, type Scenario } from './rig.js';

/** The knee's rule: every message delivered, ≥ 99 % of the offered deliveries in the window, p99 ≤ 100 ms. */
function keptUp(metrics: Metrics, result: FanoutStepResult): boolean {
  return (
    result.drained &&
    result.lost === 0 &&
    (metrics.deliveredShare ?? 0) >= 0.99 &&
    (metrics.p99Ms ?? Infinity) <= 100 &&
    (metrics.ackErrors ?? 0) === 0
  );
}

/** Raises the offered rate until deliveries stop keeping up; reports the highest sustained rate. */
export function kneeScenario(name: string, clients: number, startRate: number): Scenario {
  const senders = 10;
  // Each sender stays within 40 msg/s: under Tandem's default per-socket rate limit.
  const maxRate = senders * 40;
  return {
    name,
    description: `saturation: ${clients.toLocaleString('en-US')} clients in one room, ${senders} senders, rate raised ×1.5 from ${startRate} msg/s until deliveries < 99 % of offered, loss, or p99 > 100 ms, then refined`,
    sides: ['baseline', 'tandem'],
    run: (kind, context) => {
      const params: FanoutParams = {
        clients,
        senders,
        warmupMs: context.quick ? 1_000 : 1_500,
        measureMs: context.quick ? 2_000 : 4_000,
      };
      const maxSteps = context.quick ? 2 : 9;
      const confirmFailures = !context.quick;
      return withRoom(
        kind,
        context,
        { transport: 'socket.io', clients, senders },
        async (server, worker, _setup, acked) => {
          const steps: Metrics[] = [];
          // The highest sustained rate so far and the lowest failing one; the next rate goes ×1.5
          // up (or down) until both exist, then to their geometric middle until they are close.
          let best: Metrics | undefined;
          let bestRate = 0;
          let failRate = 0;
          let failingStep: Metrics | undefined;
          let rate = startRate;
          const notes: string[] = [];
          for (let stepIndex = 0; stepIndex < maxSteps; stepIndex++) {
            let { metrics, result } = await fanoutStep(
              server,
              worker,
              clients,
              rate,
              params,
              windowProfile(kind, context, `${name}-${rate}`),
            );
            acked(result.ackedOk);
            let sustained = keptUp(metrics, result);
            if (!sustained && confirmFailures) {
              // One burst from another process can fail a step: a rate fails only if it fails twice.
              metrics.sustained = 0;
              steps.push(metrics);
              await worker.call('settle', { quietMs: 1_000, limitMs: 30_000 }, 40_000);
              ({ metrics, result } = await fanoutStep(server, worker, clients, rate, params));
              acked(result.ackedOk);
              sustained = keptUp(metrics, result);
              metrics.confirmation = 1;
            }
            metrics.sustained = sustained ? 1 : 0;
            steps.push(metrics);
            if (sustained && rate > bestRate) {
              best = metrics;
              bestRate = rate;
            } else if (!sustained && (!failRate || rate < failRate)) {
              failRate = rate;
              failingStep = metrics;
            }
            // Let a backlog clear before the next rate.
            await worker.call('settle', { quietMs: 1_000, limitMs: 30_000 }, 40_000);
            let next: number;
            if (!failRate) {
              if (rate >= maxRate) {
                notes.push(`still sustained at the highest rate the ${senders} senders offer (${maxRate} msg/s)`);
                break;
              }
              next = Math.min(maxRate, Math.round(rate * 1.5));
            } else if (!bestRate) {
              next = Math.round(failRate / 1.5);
              if (next < 2) break;
            } else {
              if (failRate / bestRate < 1.12) break;
              next = Math.round(Math.sqrt(bestRate * failRate));
            }
            if (next === bestRate || next === failRate) break;
            rate = next;
          }
          const stats = await server.stats({ gc: true });
          const knee = best ?? steps[0];
          const metrics: Metrics = {
            throughput: best ? best.throughput : 0,
            kneeMsgPerSec: bestRate,
            firstFailingMsgPerSec: failRate || null,
            p50Ms: knee.p50Ms,
            p99Ms: knee.p99Ms,
            maxMs: knee.maxMs,
            serverCpuPct: knee.serverCpuPct,
            cpuPerDeliveryUs: knee.cpuPerDeliveryUs,
            clientCpuPct: knee.clientCpuPct,
            machineCpuPct: knee.machineCpuPct,
            otherCpuPct: knee.otherCpuPct,
            failingOtherCpuPct: failingStep?.otherCpuPct ?? null,
            failingClientCpuPct: failingStep?.clientCpuPct ?? null,
            failingServerCpuPct: failingStep?.serverCpuPct ?? null,
            lostBelowKnee: steps
              .filter((step) => step.offeredMsgPerSec! <= bestRate)
              .reduce((sum, step) => sum + (step.lost ?? 0), 0),
            // Rates that failed once and then held when measured again.
            failedOnce: steps.filter((step) => step.confirmation === 1 && step.sustained === 1).length,
            rssMb: mb(stats.rssBytes),
            steps: steps.length,
          };
          if (!best) notes.push('no rate was sustained');
          // The knee is the rig's when the load generator, not the server, ran out of CPU first.
          const limitedByRig = failingStep ? rigBound(failingStep.clientCpuPct ?? 0, failingStep.machineCpuPct) : false;
          if (limitedByRig) notes.push('at the first failing rate the load generator or the machine was saturated');
          const noisy = isNoisy(knee.otherCpuPct) || isNoisy(failingStep?.otherCpuPct);
          // The literal is checked against Cell, then widened to it so the hook below may add to it.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
          return { available: true, metrics, rigBound: limitedByRig, noisy, notes, steps } satisfies Cell as Cell;
        },
      );
    },
  };
}
