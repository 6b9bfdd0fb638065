import { randomUUID } from 'node:crypto';
import type { Change, Item, List, User } from '@tandem/contract';
import type { UnitOfWork } from '../db/database.service.js';
import type { SpaceKind } from '../spaces/space-kinds.js';
import type { SpaceRecord } from '../spaces/spaces.repository.js';
import { changedColumns, itemStateOf, toItem } from './list-records.js';
import type { ItemChanges, ItemEvent, ItemRow, ItemState } from './list-records.js';
import type { KeySide } from './lists.queries.js';

export const ann: User = { id: randomUUID(), name: 'ann' };
export const bob: User = { id: randomUUID(), name: 'bob' };

/**
 * The lists' and the spaces' repositories for lists, kept in memory: enough to check the lists'
 * rules alone (`lists.service.spec.ts`).
 */
export class InMemoryLists {
  readonly lists = new Map<string, SpaceRecord>();
  readonly members = new Set<string>();
  readonly rows = new Map<string, ItemRow>();
  readonly names = new Map([ann, bob].map((user) => [user.id, user.name]));
  readonly log: string[] = [];
  seq = 0;

  addList(owner: User, visibility: 'public' | 'private' = 'public'): SpaceRecord {
    const record: SpaceRecord = {
      id: randomUUID(),
      name: 'groceries',
      visibility,
      inviteCode: visibility === 'private' ? 'code' : null,
      ownerId: owner.id,
      createdAt: new Date().toISOString(),
      deletedAt: null,
    };
    this.lists.set(record.id, record);
    this.members.add(`${record.id}/${owner.id}`);
    return record;
  }

  addItem(listId: string, text: string, position: string, deleted = false): ItemRow {
    const row: ItemRow = {
      id: randomUUID(),
      listId,
      text,
      done: 0,
      position,
      version: 1,
      createdById: ann.id,
      updatedById: ann.id,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      deletedAt: deleted ? new Date().toISOString() : null,
    };
    this.rows.set(row.id, row);
    return row;
  }

  toList(record: SpaceRecord, seq: number): List {
    return {
      id: record.id,
      title: record.name,
      ownerId: record.ownerId,
      visibility: record.visibility,
      seq,
      createdAt: '',
    };
  }
  async find(_: SpaceKind, listId: string) {
    return this.lists.get(listId) ?? null;
  }
  async isMember(_: SpaceKind, listId: string, userId: string) {
    return this.members.has(`${listId}/${userId}`);
  }
  findForMemberAmong(kind: SpaceKind, listId: string, userId: string) {
    return this.findForMember(kind, listId, userId);
  }
  async findForMember(kind: SpaceKind, listId: string, userId: string) {
    const record = await this.find(kind, listId);
    return record && { record, member: await this.isMember(kind, listId, userId), readSeq: null };
  }
  async listWithItems(listId: string, userId: string) {
    this.log.push('listWithItems');
    const record = this.lists.get(listId);
    const items = this.live(listId).map((row) => this.toItem(row));
    return record && { record, member: this.members.has(`${listId}/${userId}`), seq: this.seq, items };
  }
  async addMember(_: SpaceKind, __: UnitOfWork, listId: string, userId: string) {
    this.log.push('addMember');
    this.members.add(`${listId}/${userId}`);
  }
  async consistently<T>(read: () => Promise<T>) {
    return read();
  }
  async currentSeq() {
    this.log.push('currentSeq');
    return this.seq;
  }
  async changesSince(_: SpaceKind, __: string, sinceSeq: number): Promise<Change[]> {
    return Array.from({ length: this.seq - sinceSeq }, (__, i) => ({
      seq: sinceSeq + i + 1,
      event: 'item:created',
      data: {},
    }));
  }
  async liveItems(listId: string) {
    return this.live(listId).map((row) => this.toItem(row));
  }
  async markDeleted(_: SpaceKind, __: UnitOfWork, listId: string) {
    this.log.push(`markDeleted ${listId}`);
  }
  async appendListDeleted(_: UnitOfWork, listId: string) {
    this.log.push(`appendListDeleted ${listId}`);
  }
  async itemState(itemId: string): Promise<ItemState | null> {
    const row = this.rows.get(itemId);
    return row ? itemStateOf(row) : null;
  }
  async itemForWrite(itemId: string, userId: string) {
    const row = this.rows.get(itemId);
    if (!row) return null;
    const list = this.lists.get(row.listId)!;
    return {
      state: itemStateOf(row),
      list: { deleted: Boolean(list.deletedAt), member: this.members.has(`${list.id}/${userId}`) },
    };
  }
  async asItem(row: ItemRow) {
    return this.toItem(row);
  }
  async currentItem(itemId: string) {
    return this.findItem(itemId);
  }
  async findItem(itemId: string) {
    const row = this.rows.get(itemId);
    return row ? this.toItem(row) : null;
  }
  async neighbourOf(neighbourId: string, itemId: string, side: 'after' | 'before') {
    const state = await this.itemState(neighbourId);
    return (
      state && {
        state,
        next: await this.nearestKey(state.listId, side, state.position, itemId),
      }
    );
  }
  async nearestKey(listId: string, side: KeySide, position: string | null, except: string) {
    const keys = this.live(listId)
      .filter((row) => row.id !== except)
      .map((row) => row.position);
    const beyond = (key: string) =>
      position === null || (side === 'after' ? key > position : side === 'from' ? key >= position : key < position);
    return (side === 'before' ? keys.findLast(beyond) : keys.find(beyond)) ?? null;
  }
  async createItem(_: UnitOfWork, item: { listId: string; text: string; user: User }) {
    return this.toItem(this.addItem(item.listId, item.text, `z${this.rows.size}`));
  }
  async writeItemIfCurrent(
    _: UnitOfWork,
    write: { state: ItemState; changes: ItemChanges; user: User; event: ItemEvent },
  ): Promise<Item | null> {
    const row = this.rows.get(write.state.stored.id);
    if (!row || row.version !== write.state.version) return null;
    Object.assign(row, {
      ...changedColumns(write.changes, new Date().toISOString()),
      version: row.version + 1,
      updatedById: write.user.id,
    });
    this.log.push(write.event);
    return this.toItem(row);
  }

  private live(listId: string): ItemRow[] {
    return [...this.rows.values()]
      .filter((row) => row.listId === listId && row.deletedAt === null)
      .sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  }

  private toItem(row: ItemRow): Item {
    return toItem(row, (id) => ({ id, name: this.names.get(id) ?? 'someone' }));
  }
}
