import { Module } from '@nestjs/common';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { MessagesRepository } from './messages.repository.js';
import { UnreadCounts } from './unread-counts.js';

@Module({ providers: [ChatGateway, ChatService, ChatRepository, MessagesRepository, UnreadCounts] })
export class ChatModule {}
