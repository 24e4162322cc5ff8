import { describe, expect, it } from "vitest";
import { groupFound, mapLink } from "./Edit";

describe("the edit page's list of what a file revealed", () => {
  it("groups the items in the order people read them", () => {
    const items = [
      { group: "author", name: "XMP-dc:Creator", value: "A", removed: true },
      { group: "location", name: "GPS position", value: "48.8584, 2.2945", removed: true, lat: 48.8584, lon: 2.2945 },
      { group: "serial", name: "ExifIFD:SerialNumber", value: "SN1", removed: true },
      { group: "author", name: "IFD0:Artist", value: "A", removed: false },
    ];
    const groups = groupFound(items);
    expect(groups.map(([g]) => g)).toEqual(["location", "serial", "author"]);
    expect(groups[2][1]).toHaveLength(2);
  });

  it("links a position to OpenStreetMap", () => {
    expect(mapLink(48.8584, 2.2945)).toBe("https://www.openstreetmap.org/?mlat=48.8584&mlon=2.2945#map=15/48.8584/2.2945");
  });
});
