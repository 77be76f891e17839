// Import calendar files one after another into one store, as a calendar program does (RFC 5546):
// events are matched by UID; a copy with a higher SEQUENCE (or the same SEQUENCE and a later DTSTAMP)
// replaces the one held; a cancelled one removes it. Prints the events held at the end, as JSON.
// Usage: node import.mjs first.ics second.ics ...
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const store = new Map();
for (const file of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  for (const vevent of calendar.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(vevent);
    const uid = event.uid;
    const sequence = event.sequence || 0;
    const stamp = vevent.getFirstPropertyValue("dtstamp").toString();
    const status = (vevent.getFirstPropertyValue("status") || "").toUpperCase();
    const held = store.get(uid);
    if (held && (held.sequence > sequence || (held.sequence === sequence && held.stamp >= stamp))) {
      continue; // not newer: a calendar program keeps what it has
    }
    if (status === "CANCELLED") {
      store.delete(uid);
      continue;
    }
    store.set(uid, { uid, sequence, stamp, summary: event.summary, description: event.description,
                     start: event.startDate.toString() });
  }
}
console.log(JSON.stringify([...store.values()].sort((a, b) => a.uid.localeCompare(b.uid))));
