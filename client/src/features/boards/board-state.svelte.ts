import { LatestRead } from '#client/lib/latest-read.svelte.js';
import type {
  BoardDetail,
  CreateInviteRequest,
  CreatedInvite,
  Invite,
  Role,
  UpdateBoardRequest,
} from '#shared/schemas/boards.js';
import * as api from '#client/lib/api.js';
import { followBoard, type AppSocket } from '#client/lib/socket.js';

/**
 * One board as its header and members page show it: the board, my role, the members and, for owners,
 * the invitations. Actions reject with `ApiError` and leave the shown state as the server has it.
 */
export class BoardState {
  detail = $state.raw<BoardDetail | null>(null);
  /** The board's invitations; loaded for owners only (nobody else may list them). */
  invites = $state.raw<Invite[]>([]);
  /** The invitation created last, whose link is shown this once. */
  createdInvite = $state.raw<CreatedInvite | null>(null);
  notFound = $state(false);

  role: Role | null = $derived(this.detail?.board.role ?? null);
  isOwner = $derived(this.role === 'owner');

  readonly #read = new LatestRead();
  /** A read is under way. */
  get loading(): boolean {
    return this.#read.loading;
  }
  /** Why loading failed; `notFound` when the board does not exist or I am not (or no longer) a member. */
  get error(): string | null {
    return this.#read.error;
  }
  #stopFollowing: (() => void) | null = null;

  /**
   * @param boardId the board shown
   * @param withInvites whether owners' invitations are loaded too (the members page)
   */
  constructor(
    readonly boardId: string,
    readonly withInvites = false,
  ) {}

  load(): Promise<void> {
    return this.#read.run(
      async (signal) => {
        const detail = await api.getBoard(this.boardId, signal);
        const invites =
          this.withInvites && detail.board.role === 'owner' ? await api.listInvites(this.boardId, signal) : [];
        this.detail = detail;
        this.invites = invites;
        this.notFound = false;
      },
      (err) => {
        this.notFound = err instanceof api.ApiError && err.status === 404;
        // Deleted, or I was removed, while on screen: it is gone, not merely unreadable for a moment.
        if (this.notFound) this.detail = null;
      },
    );
  }

  /**
   * Joins the board's socket.io room and reads the board again when someone changes its name,
   * description or meeting, or deletes it (then `notFound`); returns the function that stops (also
   * called by {@link dispose}).
   */
  follow(socket: AppSocket): () => void {
    const onChanged: Parameters<typeof socket.on<'board:changed'>>[1] = ({ boardId }) => {
      if (boardId === this.boardId) void this.load();
    };
    const stop = followBoard(
      socket,
      this.boardId,
      { 'board:changed': onChanged },
      {
        // Back after a drop: what changed meanwhile was missed.
        onJoined: (first) => {
          if (!first && this.detail) void this.load();
        },
      },
    );
    this.#stopFollowing = () => {
      this.#stopFollowing = null;
      stop();
    };
    return this.#stopFollowing;
  }

  /** Changes name, description or meeting; the header shows the board as the server answers it. */
  async update(body: UpdateBoardRequest): Promise<void> {
    const board = await api.updateBoard(this.boardId, body);
    if (this.detail) this.detail = { ...this.detail, board };
  }

  /** Deletes the board for everyone (owners). */
  delete(): Promise<void> {
    return api.deleteBoard(this.boardId);
  }

  /** Gives a member another role; my own role changing reloads the board, as what I may do changes. */
  async changeRole(userId: string, role: Role, myId: string): Promise<void> {
    const members = await api.changeMemberRole(this.boardId, userId, role);
    if (this.detail) this.detail = { ...this.detail, members };
    if (userId === myId) await this.load();
  }

  async removeMember(userId: string): Promise<void> {
    await api.removeMember(this.boardId, userId);
    if (!this.detail) return;
    const members = this.detail.members.filter((m) => m.userId !== userId);
    this.detail = { ...this.detail, members, board: { ...this.detail.board, memberCount: members.length } };
  }

  /** Leaves the board (removing myself). */
  leave(myId: string): Promise<void> {
    return api.removeMember(this.boardId, myId);
  }

  async createInvite(body: CreateInviteRequest): Promise<CreatedInvite> {
    const created = await api.createInvite(this.boardId, body);
    const { token: _token, url: _url, ...invite } = created;
    this.invites = [invite, ...this.invites];
    this.createdInvite = created;
    return created;
  }

  async revokeInvite(inviteId: string): Promise<void> {
    await api.revokeInvite(this.boardId, inviteId);
    this.invites = this.invites.map((i) => (i.id === inviteId ? { ...i, revoked: true } : i));
    if (this.createdInvite?.id === inviteId) this.createdInvite = null;
  }

  dispose(): void {
    this.#stopFollowing?.();
    this.#read.abort();
  }
}
