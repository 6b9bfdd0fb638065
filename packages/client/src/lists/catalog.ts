import { ListsCommand, type Namespace } from '@tandem/contract';
import type { Connection } from '../connection.js';
import { newOpId } from '../feature.js';
import { quote } from './list.js';
import type { ListsFeature } from './lists.js';

/** The list of lists, and creating, renaming and deleting one. */
export class ListsCatalog {
  constructor(private readonly lists: ListsFeature) {}

  private get connection(): Connection<typeof Namespace.Lists> {
    return this.lists.connection;
  }

  refresh(quiet = false): Promise<void> {
    return this.lists.loadCatalog(
      quiet,
      'the lists',
      () => this.connection.send(ListsCommand.ListList, {}),
      (data) => this.lists.state.update((state) => ({ ...state, lists: data.lists })),
      (catalogLoading) => this.lists.state.update((state) => ({ ...state, catalogLoading })),
    );
  }

  async create(title: string, isPrivate: boolean): Promise<boolean> {
    const created = await this.lists.request(
      'create the list',
      this.connection.send(ListsCommand.ListCreate, { title, visibility: isPrivate ? 'private' : 'public' }),
    );
    if (!created) return false;
    const { list } = created;
    this.lists.state.update((state) => ({
      ...state,
      lists: state.lists.some((listed) => listed.id === list.id) ? state.lists : [...state.lists, list],
    }));
    return this.lists.open(list.id);
  }

  async rename(title: string): Promise<boolean> {
    const list = this.lists.state.get().list;
    if (!list) return false;
    const payload = { opId: newOpId(), listId: list.id, title };
    const renamed = await this.lists.request('rename the list', this.connection.send(ListsCommand.ListRename, payload));
    if (renamed) this.lists.adoptList(renamed.list);
    return renamed !== null;
  }

  /** Owner only. */
  async delete(): Promise<boolean> {
    const list = this.lists.state.get().list;
    if (!list) return false;
    const payload = { opId: newOpId(), listId: list.id };
    if (!(await this.lists.request('delete the list', this.connection.send(ListsCommand.ListDelete, payload))))
      return false;
    this.lists.forget(list.id);
    this.lists.notify('info', `Deleted the list ${quote(list.title)}.`);
    return true;
  }
}
