import {
  IdentifierNode,
  OperationNodeTransformer,
  TableNode,
  type ColumnNode,
  type ColumnType,
  type Expression,
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import type { DB } from '../generated/kysely/database.js';
import type { SpaceKind } from './space-kinds.js';

/**
 * The columns every kind of space has, under one set of names: queries about spaces are written
 * once against these tables and compiled per kind, which `SpaceTablesPlugin` maps to the real
 * tables (`Space` → `Room`, `spaceName` → `List.title`, …). Other tables keep their names.
 */
export interface SpaceTables {
  Space: {
    id: string;
    spaceName: string;
    visibility: string;
    inviteCode: string | null;
    ownerId: string;
    createdAt: string;
    /** Lists only (see `SpaceKind.softDeleted`). */
    deletedAt: ColumnType<string | null, string | null | undefined, string | null>;
    updatedAt: ColumnType<string, string | undefined, string>;
  };
  SpaceMember: {
    spaceId: string;
    userId: string;
    joinedAt: string;
    /** Rooms only (see `SpaceKind.readMarkers`). */
    readSeq: ColumnType<number, number | undefined, number>;
    /** Rooms only: see `Membership.ownCountedAtMarker`. */
    ownCountedAtMarker: ColumnType<number, Expression<number> | undefined, number>;
  };
  ChangeStream: DB['ChangeStream'];
}

class SpaceNames extends OperationNodeTransformer {
  constructor(private readonly kind: SpaceKind) {
    super();
  }

  protected override transformTable(node: TableNode): TableNode {
    const table = node.table.identifier.name;
    if (table === 'Space') return TableNode.create(this.kind.table);
    if (table === 'SpaceMember') return TableNode.create(this.kind.memberTable);
    return super.transformTable(node);
  }

  protected override transformColumn(node: ColumnNode): ColumnNode {
    const column = node.column.name;
    if (column === 'spaceName') return { ...node, column: IdentifierNode.create(this.kind.nameColumn) };
    if (column === 'spaceId') return { ...node, column: IdentifierNode.create(this.kind.spaceIdColumn) };
    return super.transformColumn(node);
  }
}

/** Renames `SpaceTables`' tables and columns to those of one kind of space. */
class SpaceTablesPlugin implements KyselyPlugin {
  private readonly names: SpaceNames;

  constructor(kind: SpaceKind) {
    this.names = new SpaceNames(kind);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.names.transformNode(args.node, args.queryId);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

const builders = new WeakMap<Kysely<DB>, Map<SpaceKind, Kysely<SpaceTables>>>();

/** A builder for `kind`'s spaces, made once per dialect and kind. */
export function spaceTables(db: Kysely<DB>, kind: SpaceKind): Kysely<SpaceTables> {
  let byKind = builders.get(db);
  if (!byKind) builders.set(db, (byKind = new Map<SpaceKind, Kysely<SpaceTables>>()));
  let builder = byKind.get(kind);
  if (!builder) {
    builder = db.withPlugin(new SpaceTablesPlugin(kind)) as unknown as Kysely<SpaceTables>;
    byKind.set(kind, builder);
  }
  return builder;
}
