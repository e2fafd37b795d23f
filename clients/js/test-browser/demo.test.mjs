// The demo page that `parleyd serve --demo` serves, in headless Chromium (Debian's,
// driven by playwright-core; no browser download): two users chat, see each
// other's typing and read markers, reply, send a picture, page back through
// history, and keep a message sent while the server restarts. Saves screenshots
// into $PARLEY_SCREENSHOT_DIR (CTest: the build tree).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { chromium } from "playwright-core";

import { Server, TestDatabase } from "../test/harness.mjs";

// A 16x16 checkerboard.
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d494844520000001000000010080200000090916836000000244944415478da63304d" +
    "bb06477a73a3e1089738c320d4408c2264f1c1a861341e0685060055c54b90666bd3380000000049454e44ae426082",
  "hex",
);

const shots = process.env.PARLEY_SCREENSHOT_DIR ?? path.resolve("screenshots");

describe("the demo page in Chromium", () => {
  let db, server, browser, urls;
  const errors = [];

  before(async () => {
    db = new TestDatabase();
    server = new Server(db, { args: ["--demo"] });
    const out = await server.start();
    urls = Object.fromEntries([...out.matchAll(/^\s+(\w+)\s+(http:\/\/\S+#token=\S+)$/gm)].map((m) => [m[1], m[2]]));
    assert.deepEqual(Object.keys(urls), ["alice", "bob", "carol"], out);
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    mkdirSync(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    db?.drop();
  });

  /** A signed-in page of `user` in its own browser context (own session storage). */
  async function signIn(user) {
    const context = await browser.newContext({ viewport: { width: 1000, height: 660 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(`${user}: ${e.message}`));
    // Chromium logs each refused reconnect while the server is down (as a WebSocket
    // failure or a resource that failed to load); nothing else may go wrong.
    page.on("console", (m) => {
      if (m.type() === "error" && !/ERR_CONNECTION_REFUSED|WebSocket connection to .* failed/.test(m.text()))
        errors.push(`${user}: ${m.text()}`);
    });
    await page.goto(urls[user]);
    await page.getByTestId("state").filter({ hasText: "connected" }).waitFor();
    assert.ok(!page.url().includes("token="), "the token leaves the address bar");
    return page;
  }

  const welcome = (page) => page.getByTestId("conversation").filter({ hasText: "Welcome to Parley" });
  const message = (page, text) => page.getByTestId("message").filter({ hasText: text });

  test("two users chat: typing, read markers, replies, a picture, unread counts, paging, a restart", async () => {
    const alice = await signIn("alice");
    const bob = await signIn("bob");

    // Bob has the welcome message unread; Alice wrote it.
    await welcome(bob).getByTestId("unread").filter({ hasText: "1" }).waitFor();
    assert.equal(await welcome(alice).getByTestId("unread").textContent(), "");

    await welcome(alice).click();
    await message(alice, "Welcome!").waitFor();
    await welcome(bob).click();
    await message(bob, "Welcome!").waitFor();
    // Bob's page read it: his badge goes, Alice sees his marker.
    await welcome(bob).getByTestId("unread").filter({ hasText: /^$/ }).waitFor({ state: "attached" });
    await alice.getByTestId("seen").filter({ hasText: "Seen by bob" }).waitFor();

    // Typing shows on the other side, and ends with the message.
    await alice.getByTestId("text").pressSequentially("Hello from Alice", { delay: 20 });
    await bob.getByTestId("typing").filter({ hasText: "alice is typing" }).waitFor();
    await alice.getByTestId("send").click();
    await message(bob, "Hello from Alice").waitFor();
    await bob.getByTestId("typing").filter({ hasText: /^$/ }).waitFor({ state: "attached" });
    // The marker moves to the newest message Bob has read.
    await alice.locator("[data-testid=message]:has-text('Hello from Alice') + [data-testid=seen]").waitFor();
    assert.equal(await alice.getByTestId("seen").count(), 1);
    assert.equal(await alice.getByTestId("seen").textContent(), "Seen by bob");

    // A reply quotes what it answers.
    await message(bob, "Hello from Alice").getByTestId("reply").click();
    await bob.getByTestId("text").fill("Hi Alice, replying");
    await bob.getByTestId("send").click();
    const reply = message(alice, "Hi Alice, replying");
    await reply.waitFor();
    assert.equal(await reply.locator(".quote").textContent(), "alice: Hello from Alice");

    // A picture: uploaded, sent, shown on the other side, downloadable.
    await alice.getByTestId("file").setInputFiles({ name: "square.png", mimeType: "image/png", buffer: PNG });
    await alice.getByTestId("text").fill("a picture");
    await alice.getByTestId("send").click();
    const img = message(bob, "a picture").getByTestId("image");
    await img.waitFor();
    await bob.waitForFunction(() => [...document.querySelectorAll("[data-testid=image]")].some((i) => i.complete && i.naturalWidth === 16));
    const download = bob.waitForEvent("download");
    await message(bob, "a picture").getByTestId("download").click();
    assert.equal((await download).suggestedFilename(), "square.png");

    // A conversation Bob starts shows in Alice's list with its unread count.
    await bob.locator("#new-conv-users").fill("alice");
    await bob.locator("#new-conv-subject").fill("Side chat");
    await bob.locator("#new-conv button").click();
    await bob.getByTestId("conv-title").filter({ hasText: "Side chat" }).waitFor();
    await bob.getByTestId("text").fill("psst");
    await bob.getByTestId("send").click();
    const side = alice.getByTestId("conversation").filter({ hasText: "Side chat" });
    await side.getByTestId("unread").filter({ hasText: "1" }).waitFor();
    await side.click();
    await message(alice, "psst").waitFor();
    await side.getByTestId("unread").filter({ hasText: /^$/ }).waitFor({ state: "attached" });
    await welcome(alice).click();
    await welcome(bob).click();
    await message(bob, "a picture").waitFor();

    // The server dies (kill -9) and comes back on the same port: a message sent
    // meanwhile waits in the outbox and arrives once.
    await server.stop("SIGKILL");
    await alice.getByTestId("state").filter({ hasText: "disconnected" }).waitFor();
    await alice.getByTestId("text").fill("sent while the server was down");
    await alice.getByTestId("send").click();
    await alice.getByTestId("pending").filter({ hasText: "waiting for the connection" }).waitFor();
    await server.start();
    await alice.getByTestId("state").filter({ hasText: "connected" }).waitFor({ timeout: 30_000 });
    await message(bob, "sent while the server was down").waitFor({ timeout: 30_000 });
    await message(alice, "sent while the server was down").waitFor();
    assert.equal(await alice.getByTestId("pending").count(), 0);
    assert.equal(await message(bob, "sent while the server was down").count(), 1);

    // For the screenshots: Alice types, Bob sees it, with the reply, the picture
    // and the read markers.
    // (Once both are back: a read that beat Bob's resync reached no open page of his.)
    await bob.getByTestId("text").fill("welcome back");
    await bob.getByTestId("send").click();
    await bob.locator("[data-testid=message]:has-text('welcome back') + [data-testid=seen]").waitFor();
    await alice.getByTestId("text").pressSequentially("Looks good", { delay: 20 });
    await bob.getByTestId("typing").filter({ hasText: "alice is typing" }).waitFor();
    await bob.screenshot({ path: path.join(shots, "demo-bob.png") });
    await alice.screenshot({ path: path.join(shots, "demo-alice.png") });
    await alice.getByTestId("text").fill("");

    // History paging: a page holds 30 messages; older ones load on demand.
    const writer = server.client("alice");
    await writer.connect();
    const conv = (await writer.listConversations()).items.find((c) => c.subject === "Welcome to Parley").id;
    for (let i = 1; i <= 40; i++) writer.send(conv, `filler ${i}`);
    await Promise.all(writer.pendingSends().map((s) => s.done));
    writer.close();
    // Carol signs in with the form, pasting her token.
    const carolContext = await browser.newContext({ viewport: { width: 1000, height: 660 } });
    const carol = await carolContext.newPage();
    carol.on("pageerror", (e) => errors.push(`carol: ${e.message}`));
    await carol.goto(new URL("/", urls.carol).href);
    await carol.locator("#token").fill(new URL(urls.carol).hash.slice("#token=".length));
    await carol.getByRole("button", { name: "Sign in" }).click();
    await carol.getByTestId("me").filter({ hasText: "(carol)" }).waitFor();
    await welcome(carol).click();
    await message(carol, "filler 40").waitFor();
    assert.equal(await carol.getByTestId("message").count(), 30);
    assert.equal(await message(carol, "Welcome!").count(), 0);
    await carol.getByTestId("older").click();
    await message(carol, "Welcome!").waitFor();
    assert.equal(await carol.getByTestId("older").isVisible(), false);
    await carol.close();

    assert.deepEqual(errors, []);
  });
});
