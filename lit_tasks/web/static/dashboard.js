// lit serve: keep the page's prompt states live. Every element with data-prompt follows that prompt's state;
// the server sends one event per change (GET /api/events). window.litEvents keeps what arrived, in order.
"use strict";
window.litEvents = [];

function show(prompt, state, cost) {
  for (const el of document.querySelectorAll("[data-prompt]")) {
    if (el.dataset.prompt !== prompt) continue;
    el.dataset.state = state;
    const label = el.querySelector(".state");
    if (label) label.textContent = state;
    const price = el.querySelector(".cost");
    if (price && cost !== undefined && cost !== "—") price.textContent = cost;
  }
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => live && live.classList.add("on");
  source.onerror = () => live && live.classList.remove("on");
  source.addEventListener("snapshot", (message) => {
    const snapshot = JSON.parse(message.data);
    for (const [prompt, state] of Object.entries(snapshot.prompts)) show(prompt, state);
  });
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    window.litEvents.push(event);
    show(event.prompt, event.state, event.cost);
  };
}

connect();
