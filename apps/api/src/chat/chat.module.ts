import { Module } from '@nestjs/common';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { MessagesRepository } from './messages.repository.js';
import { MessagesService } from './messages.service.js';
import { UnreadCounts } from './unread-counts.js';

@Module({ providers: [ChatGateway, ChatService, MessagesService, ChatRepository, MessagesRepository, UnreadCounts] })
export class ChatModule {}
