import { Module } from '@nestjs/common';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { FurthestMarkers } from './furthest-markers.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';
import { RecentHistory } from './recent-history.js';
import { UnreadCounts } from './unread-counts.js';

@Module({
  providers: [
    ChatGateway,
    ChatService,
    MessagesService,
    ChatRepository,
    FurthestMarkers,
    MessagesRepository,
    RecentHistory,
    UnreadCounts,
  ],
})
export class ChatModule {}
