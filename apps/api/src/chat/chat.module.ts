import { Module } from '@nestjs/common';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';

@Module({ providers: [ChatGateway, ChatService, ChatRepository] })
export class ChatModule {}
