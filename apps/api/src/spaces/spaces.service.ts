import { Injectable } from '@nestjs/common';
import {
  DirectoryChange,
  ErrorCode,
  Limits,
  type Change,
  type SpaceSummary,
  type User,
  type Visibility,
} from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { DomainEvents } from '../common/domain-events.js';
import { inviteCodeFor, newInviteCode } from '../common/invite-code.js';
import { newPin } from '../common/pin.js';
import type { UnitOfWork } from '../db/database.service.js';
import { isoTimestamp } from '../db/dialect.js';
import type { Sql } from '../db/sql.js';
import { UnitsOfWork } from '../db/units-of-work.js';
import { PinAttempts } from './pin-attempts.js';
import type { SpaceKind } from './space-kinds.js';
import { SpacePinsRepository } from './space-pins.repository.js';
import type { MemberCheck } from './member-checks.js';
import { SpacesRepository, type SpaceRecord } from './spaces.repository.js';

/** What a join or resync answers besides the space: its seq, and the missed changes or a snapshot. */
export type CatchUp<S, C> = { seq: number } & ({ changes: C[] } | S | (S & { snapshot: true }));

/**
 * The rules every space shares, whether a chat room, a board or a list: who may see it (public,
 * or private to its members), who may join (a private one needs its invite code), what only its
 * owner may do, what a resync returns, joining by PIN (the kinds that have one), and telling the
 * directory of each space created, renamed or deleted. The features add their own rules on top.
 */
@Injectable()
export class SpacesService {
  constructor(
    private readonly spaces: SpacesRepository,
    private readonly writes: UnitsOfWork,
    private readonly events: DomainEvents,
    private readonly pins: SpacePinsRepository,
    private readonly pinAttempts: PinAttempts,
  ) {}

  /** A new space owned by the user, their first member; public unless asked otherwise. */
  async create(kind: SpaceKind, user: User, input: { name: string; visibility?: Visibility }): Promise<SpaceRecord> {
    const visibility = input.visibility ?? 'public';
    const record = await this.writes.write(async (context) => {
      const created = await this.spaces.create(kind, context, {
        name: input.name,
        visibility,
        inviteCode: inviteCodeFor(visibility),
        ownerId: user.id,
      });
      if (kind.joinsByPin) await this.givePin(kind, context, created.id);
      return created;
    });
    await this.announce(kind, DirectoryChange.Created, record, 0);
    return record;
  }

  /** The space, or `NOT_FOUND` (a deleted one too). */
  async require(kind: SpaceKind, spaceId: string, sql?: Sql): Promise<SpaceRecord> {
    const record = await this.spaces.find(kind, spaceId, sql);
    if (!record || record.deletedAt) throw DomainError.notFound(kind.noun);
    return record;
  }

  /**
   * The space (`NOT_FOUND` as `require`) and whether the user is a member of it: one read, with
   * the works of the transaction that ask together.
   */
  async requireWithMembership(
    kind: SpaceKind,
    spaceId: string,
    user: User,
    context: UnitOfWork,
  ): Promise<{ record: SpaceRecord; member: boolean }> {
    const found = await this.spaces.findForMemberAmong(kind, spaceId, user.id, context);
    if (!found || found.record.deletedAt) throw DomainError.notFound(kind.noun);
    return found;
  }

  /** `record` if it is public, or private and the user is a member. */
  async requireAccess<R extends SpaceRecord>(kind: SpaceKind, user: User, record: R, sql?: Sql): Promise<R> {
    if (record.visibility === 'private')
      this.requireVisible(kind, record, await this.spaces.isMember(kind, record.id, user.id, sql));
    return record;
  }

  /** `requireAccess`'s rule for a membership read with the space (`member`: whether the user is one). */
  requireVisible(kind: SpaceKind, record: SpaceRecord, member: boolean): void {
    if (record.visibility === 'private' && !member) {
      throw DomainError.forbidden(`join this private ${kind.noun} with its invite code first`);
    }
  }

  /** The space (`NOT_FOUND` as `require`), `FORBIDDEN` unless the user is a member: one read. */
  async requireMember(kind: SpaceKind, spaceId: string, user: User, sql: Sql): Promise<SpaceRecord> {
    return memberOnly(kind, await this.spaces.findForMember(kind, spaceId, user.id, sql));
  }

  /** `requireMember` for a work that may overlap others: they check their spaces in one statement. */
  async requireMemberAmong(kind: SpaceKind, spaceId: string, user: User, context: UnitOfWork): Promise<SpaceRecord> {
    return memberOnly(kind, await this.spaces.findForMemberAmong(kind, spaceId, user.id, context));
  }

  /**
   * `requireMember`'s rule for a membership read with something else (say, a list's item and
   * whether the user belongs to its list): `NOT_FOUND` if the space is deleted, `FORBIDDEN` unless
   * the user is a member.
   */
  requireMembership(kind: SpaceKind, space: Membership): void {
    membersOnly(kind, space);
  }

  /** `FORBIDDEN` unless the user owns the space; `action` says what they tried ("rename it"). */
  requireOwner<R extends SpaceRecord>(kind: SpaceKind, record: R, user: User, action: string): R {
    if (record.ownerId !== user.id) throw DomainError.forbidden(`only the ${kind.noun}'s owner can ${action}`);
    return record;
  }

  /** A private space opens to its invite code only, as committed (a rotation just before is honoured). */
  requireInvite(kind: SpaceKind, record: SpaceRecord, inviteCode: string | undefined): void {
    if (record.visibility === 'private' && inviteCode !== record.inviteCode) {
      throw DomainError.forbidden(`a valid invite code is needed to join this private ${kind.noun}`);
    }
  }

  /**
   * The space (`NOT_FOUND` as `require`), the user made a member of it (a private space needs its
   * invite code, or `byPin`: the PIN that found it stands for it); a member stays as they are. The
   * space and the membership are one read.
   */
  async join(
    kind: SpaceKind,
    user: User,
    spaceId: string,
    inviteCode: string | undefined,
    byPin = false,
  ): Promise<SpaceRecord> {
    const found = await this.spaces.findForMember(kind, spaceId, user.id);
    if (!found || found.record.deletedAt) throw DomainError.notFound(kind.noun);
    if (found.member) return found.record;
    if (!byPin) this.requireInvite(kind, found.record, inviteCode);
    await this.writes.write((context) => this.spaces.addMember(kind, context, spaceId, user.id));
    return found.record;
  }

  /** Owner of a private space only: a new code, and the old one stops opening the space. */
  async rotateInviteCode(kind: SpaceKind, context: UnitOfWork, user: User, spaceId: string): Promise<SpaceRecord> {
    const record = this.requireOwner(
      kind,
      await this.require(kind, spaceId, context.sql),
      user,
      'rotate its invite code',
    );
    if (record.visibility !== 'private') {
      throw new DomainError(ErrorCode.Conflict, `a public ${kind.noun} has no invite code`);
    }
    return this.spaces.setInviteCode(kind, context, record, newInviteCode());
  }

  /** The space's join PIN; null for a space made before PINs, until its owner makes one. */
  pinOf(kind: SpaceKind, spaceId: string, sql?: Sql): Promise<string | null> {
    return this.pins.pinOf(kind, spaceId, sql);
  }

  /** Owner only: a new PIN, and the old one stops opening the space. */
  rotatePin(kind: SpaceKind, user: User, spaceId: string): Promise<string> {
    return this.writes.write(async (context) => {
      this.requireOwner(kind, await this.require(kind, spaceId, context.sql), user, 'make a new PIN');
      return this.givePin(kind, context, spaceId);
    });
  }

  /**
   * Makes the user a member of the space the PIN opens, private or not (the PIN stands for its
   * invite code); `NOT_FOUND` for a PIN that opens nothing. Every attempt counts against the
   * user's budget (see `PinAttempts`).
   */
  async joinByPin(kind: SpaceKind, user: User, pin: string): Promise<SpaceRecord> {
    this.pinAttempts.take(user.id);
    const spaceId = await this.pins.spaceOf(kind, pin);
    if (!spaceId) throw new DomainError(ErrorCode.NotFound, `no ${kind.noun} has this PIN`);
    return this.join(kind, user, spaceId, undefined, true);
  }

  /** A PIN no other space has (a taken one is drawn again), replacing the space's own. */
  private async givePin(kind: SpaceKind, context: UnitOfWork, spaceId: string): Promise<string> {
    let pin = newPin();
    while (await this.pins.isTaken(pin, context.sql)) pin = newPin();
    await this.pins.replace(kind, context, spaceId, pin);
    return pin;
  }

  /**
   * The space as of one moment (`sql`, inside `SpacesRepository.consistently`): its seq, and the
   * changes since `sinceSeq` when there are few enough, else `snapshot()` (marked as such when a
   * resync asked for changes).
   */
  async catchUp<S extends object, C extends Change>(
    kind: SpaceKind,
    spaceId: string,
    sinceSeq: number | undefined,
    sql: Sql,
    snapshot: () => Promise<S>,
  ): Promise<CatchUp<S, C>> {
    const seq = await this.spaces.currentSeq(kind, spaceId, sql);
    if (resyncs(sinceSeq, seq)) {
      const changes = (await this.spaces.changesSince(kind, spaceId, sinceSeq, Limits.resyncMaxChanges, sql)) as C[];
      return { seq, changes };
    }
    const state = await snapshot();
    return sinceSeq === undefined ? { seq, ...state } : { seq, ...state, snapshot: true as const };
  }

  /** `announce` for a change that has committed, with the space and its seq as they are now. */
  async announceChange(kind: SpaceKind, change: DirectoryChange, spaceId: string): Promise<void> {
    const record = await this.spaces.find(kind, spaceId);
    if (record) await this.announce(kind, change, record, await this.spaces.currentSeq(kind, spaceId));
  }

  /**
   * Tells the namespace's directory, once the change has committed: a public space's change goes to
   * every connected client, a private one's to its members only.
   */
  async announce(kind: SpaceKind, change: DirectoryChange, record: SpaceRecord, seq: number): Promise<void> {
    const isPublic = record.visibility === 'public';
    const audience = isPublic
      ? ('everyone' as const)
      : {
          userIds: change === DirectoryChange.Created ? [record.ownerId] : await this.spaces.memberIds(kind, record.id),
        };
    this.events.publish('directory.changed', {
      namespace: kind.namespace,
      change: { kind: change, space: toSummary(record, seq, !isPublic) },
      audience,
    });
  }
}

/** Whether a rejoin at `sinceSeq` gets the changes since (else a snapshot): within the resync window, not ahead. */
export function resyncs(sinceSeq: number | undefined, seq: number): sinceSeq is number {
  return sinceSeq !== undefined && sinceSeq <= seq && seq - sinceSeq <= Limits.resyncMaxChanges;
}

/** The space as a directory shows it; the invite code only for those who may hold it. */
export function toSummary(record: SpaceRecord, seq: number, withInviteCode: boolean): SpaceSummary {
  return {
    id: record.id,
    name: record.name,
    visibility: record.visibility,
    ownerId: record.ownerId,
    createdAt: isoTimestamp(record.createdAt),
    seq,
    ...(withInviteCode && record.inviteCode ? { inviteCode: record.inviteCode } : {}),
  };
}

/** What a member-only write checks of its space: whether it is deleted, whether the user is a member. */
export interface Membership {
  deleted: boolean;
  member: boolean;
}

/** `NOT_FOUND` if the space is deleted or missing, `FORBIDDEN` unless the user is a member. */
function membersOnly(kind: SpaceKind, space: Membership | null): void {
  if (!space || space.deleted) throw DomainError.notFound(kind.noun);
  if (!space.member) throw DomainError.forbidden(`join the ${kind.noun} first`);
}

/** The space, if the user may write to it as a member (see `membersOnly`). */
function memberOnly(kind: SpaceKind, found: MemberCheck): SpaceRecord {
  membersOnly(kind, found && { deleted: Boolean(found.record.deletedAt), member: found.member });
  return found!.record;
}
