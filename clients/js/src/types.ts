// The shapes of the protocol's objects and pushes (PROTOCOL.md v1.1 and the
// server's docs/protocol.md). Unknown keys the server adds are kept on the objects.

export type ConvKind = "company" | "confidential" | "private" | "direct" | "support";

export interface User {
  id: string;
  org: string;
  kind: "staff" | "client" | "contact" | "ai" | "bot";
  name: string;
  role?: "owner" | "admin" | "member" | "guest";
  email?: string | null;
  company?: string | null;
  favorites?: string[];
  [key: string]: unknown;
}

export interface HelloResult {
  /** The signed-in user; null for a service token whose subject is no user. */
  user: User | null;
  session: string;
  node: string;
  ts: number;
}

export interface Conversation {
  id: string;
  kind: ConvKind;
  org: string;
  company?: string | null;
  subject?: string | null;
  participants: string[];
  created_by: string;
  created_at: number;
  last_seq: number;
  status?: "open" | "closed" | "snoozed";
  assignee?: string | null;
  ended?: boolean;
  /** In conv.list items: the caller's unread count. */
  unread?: number;
  [key: string]: unknown;
}

/** An attachment as sent (`{blob, name}`) or as pushed (with `size` and `type`). */
export interface Attachment {
  blob: string;
  name: string;
  size?: number;
  type?: string;
}

export interface ReplyRef {
  seq: number;
  author: string;
  preview: string;
}

export interface Message {
  conv: string;
  seq: number;
  ts: number;
  author: string;
  cid: string;
  body: string;
  format: "text" | "markdown";
  reply_to?: ReplyRef | null;
  mentions?: string[] | null;
  attachments?: Attachment[] | null;
  internal?: boolean | null;
  /** Server-written events (assignment, closed, ended, ...). */
  system?: ({ event: string; by: string } & Record<string, unknown>) | null;
  [key: string]: unknown;
}

export interface TypingPush {
  conv: string;
  user: string;
  kind: "human" | "ai";
  state: "start" | "stop";
  internal?: boolean | null;
}

/** Someone's read marker moved; `unread` is present on the reader's own connections. */
export interface ReadPush {
  conv: string;
  user: string;
  seq: number;
  unread?: number;
}

/** A new message in a conversation this connection does not have open. */
export interface NotifyPush {
  conv: string;
  seq: number;
  author: string;
  preview: string;
  unread: number;
}

export interface RevokedPush {
  conv: string;
}

export interface InvitationPush {
  invitation: {
    id: string;
    from: string;
    from_org: string;
    from_name?: string;
    from_email?: string;
    note?: string | null;
    ts: number;
    [key: string]: unknown;
  };
}

export interface InvitationRevokedPush {
  invitation: string;
}

export interface InvitationAcceptedPush {
  invitation: string;
  conv: Conversation;
}

export interface UnsnoozedPush {
  conv: string;
}

/** Any frame the server pushed, as decoded. */
export interface RawPush {
  op: string;
  [key: string]: unknown;
}

export interface HistoryPage {
  messages: Message[];
  /** More messages lie beyond this page in the direction read. */
  more: boolean;
}

export interface ConversationPage {
  items: Conversation[];
  cursor?: string;
}

export interface SendResult {
  seq: number;
  ts: number;
  /** The server had this cid already: the original message's seq and ts. */
  dup?: boolean;
}

export interface BlobInfo {
  blob: string;
  name: string;
  size: number;
  type: string;
}

export interface DownloadedBlob {
  bytes: Uint8Array;
  /** The Content-Type the server sniffed at upload. */
  type: string;
  /** The file name given at upload. */
  name: string;
}
