import { Module } from '@nestjs/common';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { FurthestMarkers } from './furthest-markers.js';
import { MessageChangesRepository } from './message-changes.repository.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';
import { RecentHistory } from './recent-history.js';
import { SearchRepository } from './search/search.repository.js';
import { SearchService } from './search/search.service.js';
import { ThreadsRepository } from './threads/threads.repository.js';
import { ThreadsService } from './threads/threads.service.js';
import { UnreadCounts } from './unread-counts.js';

@Module({
  providers: [
    ChatGateway,
    ChatService,
    MessagesService,
    ChatRepository,
    FurthestMarkers,
    MessagesRepository,
    MessageChangesRepository,
    RecentHistory,
    UnreadCounts,
    SearchService,
    SearchRepository,
    ThreadsService,
    ThreadsRepository,
  ],
})
export class ChatModule {}
