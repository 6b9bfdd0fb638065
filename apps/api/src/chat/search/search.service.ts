import { Injectable } from '@nestjs/common';
import { searchTerms, type ChatCommandResults, type ChatInput, type User } from '@tandem/contract';
import { SpaceKinds } from '../../space-kinds.js';
import { SpacesService } from '../../spaces/spaces.service.js';
import { MessagesRepository } from '../messages.repository.js';
import { highlight } from './highlight.js';
import { SearchRepository } from './search.repository.js';

/** `message:search`: what a user may find, and how results are paged and highlighted. */
@Injectable()
export class SearchService {
  constructor(
    private readonly spaces: SpacesService,
    private readonly messages: MessagesRepository,
    private readonly search: SearchRepository,
  ) {}

  /**
   * Every room the user may read, or the one named (`NOT_FOUND` when it does not exist,
   * `FORBIDDEN` when it is private and not theirs, as `message:history` answers). The cursor is
   * the last id of the previous page: pages never overlap, whatever is written meanwhile.
   */
  async find(user: User, input: ChatInput<'message:search'>): Promise<ChatCommandResults['message:search']> {
    if (input.roomId !== undefined) {
      const record = await this.spaces.require(SpaceKinds.room, input.roomId);
      await this.spaces.requireAccess(SpaceKinds.room, user, record);
    }
    const terms = searchTerms(input.query);
    const page = await this.search.search({
      userId: user.id,
      terms,
      roomId: input.roomId,
      beforeId: input.cursor,
      limit: input.limit,
    });
    const found = await this.messages.messagesWithIds(page.ids);
    return {
      results: found.map((message) => ({ roomId: message.roomId, message, highlight: highlight(message.text, terms) })),
      nextCursor: page.more ? (page.ids.at(-1) ?? null) : null,
    };
  }
}
