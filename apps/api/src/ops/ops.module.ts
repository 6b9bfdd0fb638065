import { Module } from '@nestjs/common';
import { Operators } from './operators.js';
import { OpsGateway } from './ops.gateway.js';
import { OpsStats } from './ops-stats.js';

/** The live operations view's namespace (`/ops`) and the figures it pushes. */
@Module({ providers: [OpsGateway, OpsStats, Operators] })
export class OpsModule {}
