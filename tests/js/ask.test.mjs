// Asks the running app through @gradio/client: `ask` with `question` returns the JSON answer.
// QA_APP_URL names the app (the pytest fixture starts it on a free 127.0.0.1 port).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@gradio/client";

const url = process.env.QA_APP_URL;

test("ask returns the quoted answer and its cited passages", { skip: !url && "QA_APP_URL is not set" }, async () => {
  const client = await Client.connect(url);
  let result;
  try {
    result = await client.predict("/ask", { question: "What does USFK stand for?" });
  } finally {
    client.close();
  }
  const answer = result.data[0];
  assert.equal(answer.abstained, false);
  assert.ok(answer.passages.length >= 1);
  const top = answer.passages[0];
  assert.ok(top.text.includes(answer.highlight), "the answer is a sentence of the first passage");
  assert.match(top.citation, /¶\d+/);
  assert.ok(answer.answer.includes("USFK"));
});

test("a follow-up passes the earlier question as history", { skip: !url && "QA_APP_URL is not set" }, async () => {
  const client = await Client.connect(url);
  let result;
  try {
    result = await client.predict("/ask", { question: "Who commands it?", history: ["What is U.S. Indo-Pacific Command?"] });
  } finally {
    client.close();
  }
  assert.ok(Array.isArray(result.data[0].passages));
});
