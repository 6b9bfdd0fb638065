/**
 * The scenarios, in the order they run: each one runs a fresh server of one kind, drives it with
 * a load-generator process and returns one cell of figures (see `rig.ts`). One file per scenario
 * or family of scenarios.
 */
import { fanoutScenario } from './chat-fanout.js';
import { commandCostsScenario } from './command-costs.js';
import { kneeScenario } from './chat-knee.js';
import { persistScenario } from './chat-persist.js';
import { idleScenario } from './idle-memory.js';
import { joinStormScenario } from './join-storm.js';
import { listsScenario } from './lists-updates.js';
import type { Scenario } from './rig.js';
import { scoreboardScenario } from './scoreboard-increments.js';

export function allScenarios(quick: boolean): Scenario[] {
  const fanouts = quick
    ? [
        fanoutScenario('chat-fanout-100', 100, 50),
        fanoutScenario('chat-fanout-1000', 1_000, 50),
        fanoutScenario('chat-fanout-1000-plain', 1_000, 50, 'plain'),
      ]
    : [
        fanoutScenario('chat-fanout-100', 100, 50),
        fanoutScenario('chat-fanout-500', 500, 50),
        fanoutScenario('chat-fanout-1000', 1_000, 50),
        fanoutScenario('chat-fanout-1000-plain', 1_000, 50, 'plain'),
      ];
  const knees = quick
    ? [kneeScenario('chat-knee-500', 500, 40)]
    : [kneeScenario('chat-knee-500', 500, 60), kneeScenario('chat-knee-1000', 1_000, 30)];
  return [
    ...fanouts,
    ...knees,
    persistScenario(),
    scoreboardScenario(),
    listsScenario(),
    commandCostsScenario(),
    idleScenario(),
    joinStormScenario(),
  ];
}
