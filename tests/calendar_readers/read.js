// Reads a calendar file from stdin with ical.js (Thunderbird's engine) and prints, as JSON,
// each event as that reader sees it: start and end in UTC, status, title, sequence.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

// Like Thunderbird: the file's own zones are the ones its times refer to.
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(zone);
}

const utc = (time) => time.convertToZone(ICAL.Timezone.utcTimezone).toString();
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    start: utc(event.startDate),
    end: utc(event.endDate),
    status: component.getFirstPropertyValue("status"),
    summary: event.summary,
    sequence: event.sequence,
    transp: component.getFirstPropertyValue("transp"),
    location: event.location,
    description: event.description,
    url: component.getFirstPropertyValue("url"),
  };
});
console.log(
  JSON.stringify({ method: calendar.getFirstPropertyValue("method"), events }),
);
