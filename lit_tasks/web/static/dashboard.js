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

function projectChanged(error) {
  // The project stopped loading (show why) or loads again (draw it afresh).
  if (!error) return location.reload();
  let banner = document.getElementById("load-error");
  if (!banner) {
    banner = document.createElement("div");
    banner.id = "load-error";
    banner.className = "error";
    document.querySelector("main").prepend(banner);
  }
  banner.textContent = error;
}

function connect() {
  const live = document.getElementById("live");
  const source = new EventSource("/api/events");
  source.onopen = () => live && live.classList.add("on");
  source.onerror = () => live && live.classList.remove("on");
  source.addEventListener("snapshot", (message) => {
    const snapshot = JSON.parse(message.data);
    for (const [prompt, state] of Object.entries(snapshot.prompts)) show(prompt, state);
    const spent = document.querySelector(".total .spent");
    if (spent && snapshot.spent) spent.textContent = snapshot.spent;
  });
  source.addEventListener("project", (message) => projectChanged(JSON.parse(message.data).error));
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    window.litEvents.push(event);
    const known = [...document.querySelectorAll("[data-prompt]")].some((el) => el.dataset.prompt === event.prompt);
    if (!known && document.querySelector("svg.graph")) return location.reload(); // a new prompt: redraw the graph
    show(event.prompt, event.state, event.cost);
    const spent = document.querySelector(".total .spent");
    if (spent && event.spent) spent.textContent = event.spent;
  };
}

function followTimeline() {
  // The timeline page: swap in the server's rendering of the last run, every second while it goes on.
  const box = document.getElementById("timeline");
  if (!box) return;
  const tick = async () => {
    try {
      const response = await fetch("/timeline?fragment=1");
      if (response.ok) box.innerHTML = await response.text();
    } catch (error) {
      // the server is gone or restarting: try again on the next tick
    }
    const head = box.querySelector(".timeline-head");
    setTimeout(tick, head && head.dataset.live === "1" ? 1000 : 3000);
  };
  setTimeout(tick, 1000);
}

connect();
followTimeline();
