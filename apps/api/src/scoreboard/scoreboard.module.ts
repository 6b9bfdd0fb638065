import { Module } from '@nestjs/common';
import { BoardStates } from './board-states.js';
import { ScoreboardGateway } from './scoreboard.gateway.js';
import { ScoreboardRepository } from './scoreboard.repository.js';
import { ScoreboardService } from './scoreboard.service.js';

@Module({ providers: [ScoreboardGateway, ScoreboardService, ScoreboardRepository, BoardStates] })
export class ScoreboardModule {}
