// Who the visitor is: the shop's user id when known, else an anonymous id
// kept in localStorage across visits; and a session id kept in
// sessionStorage for the life of the tab. Before consent (when consent is
// required) the ids live in memory only and are written once it is given.
import type { Environment } from "./types.js";
import { randomId } from "./environment.js";
import { KEYS, read, remove, write } from "./storage.js";

export class Identity {
  readonly anonymousId: string;
  readonly sessionId: string;
  private userId_: string | null;

  constructor(private readonly env: Environment, userId: string | undefined) {
    this.anonymousId = read(env.localStorage, KEYS.anonymousId) ?? "anon-" + randomId(env);
    this.sessionId = read(env.sessionStorage, KEYS.sessionId) ?? "s-" + randomId(env);
    this.userId_ = userId ?? read(env.localStorage, KEYS.userId);
  }

  // The id events and recommendations are keyed by.
  get userId(): string {
    return this.userId_ ?? this.anonymousId;
  }

  get identified(): boolean {
    return this.userId_ !== null;
  }

  identify(userId: string): void {
    this.userId_ = userId;
  }

  persist(): void {
    write(this.env.localStorage, KEYS.anonymousId, this.anonymousId);
    write(this.env.sessionStorage, KEYS.sessionId, this.sessionId);
    if (this.userId_ !== null) write(this.env.localStorage, KEYS.userId, this.userId_);
  }

  forget(): void {
    remove(this.env.localStorage, KEYS.anonymousId);
    remove(this.env.localStorage, KEYS.userId);
    remove(this.env.sessionStorage, KEYS.sessionId);
  }
}
