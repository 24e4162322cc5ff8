"""What exiftool and ffprobe report, as the uploader's list (media_app/encoding/metadata.py)."""

import json

from media_app.encoding import metadata

EXIFTOOL = json.dumps(
    [
        {
            "SourceFile": "a.jpg",
            "ExifTool:ExifToolVersion": 12.57,
            "System:FileName": "a.jpg",
            "File:ImageWidth": 320,
            "File:Comment": "Lavc59.37.100",
            "IFD0:Make": "Acme",
            "IFD0:Model": "PhoneX",
            "IFD0:Orientation": 6,
            "IFD0:Software": "EditPro 9",
            "ExifIFD:SerialNumber": "SN1",
            "ExifIFD:DateTimeOriginal": "2024:05:01 10:00:00",
            "ExifIFD:CreateDate": "0000:00:00 00:00:00",
            "GPS:GPSLatitude": 48.8584,
            "GPS:GPSLongitude": 2.2945,
            "GPS:GPSVersionID": "2 3 0 0",
            "XMP-dc:Creator": ["Jane", "John"],
            "PDF:Creator": "Writer 2",
            "Keys:Location": "+48.8584+002.2945/",
            "Composite:GPSLatitude": 48.8584,
            "Composite:GPSLongitude": 2.2945,
        }
    ]
)


def test_identifying_tags_are_grouped_and_structure_is_left_out():
    found = metadata.sort_found(metadata.found_from_exiftool(EXIFTOOL))
    pairs = [(i["group"], i["name"], i["value"]) for i in found]
    assert pairs[0] == ("location", "GPS position", "48.858400, 2.294500")
    assert found[0]["lat"] == 48.8584 and found[0]["lon"] == 2.2945
    assert ("location", "Keys:Location", "+48.8584+002.2945/") in pairs
    assert ("device", "IFD0:Make", "Acme") in pairs and ("device", "IFD0:Model", "PhoneX") in pairs
    assert ("serial", "ExifIFD:SerialNumber", "SN1") in pairs
    assert ("author", "XMP-dc:Creator", "Jane, John") in pairs
    assert ("software", "PDF:Creator", "Writer 2") in pairs  # a PDF's Creator is an application
    assert ("created", "ExifIFD:DateTimeOriginal", "2024:05:01 10:00:00") in pairs
    names = {i["name"] for i in found}
    # Not identifying: sizes, orientation, zeroed dates, ffmpeg's own comment, the GPS parts
    # already in the position.
    assert not names & {"File:ImageWidth", "IFD0:Orientation", "ExifIFD:CreateDate", "File:Comment"}
    assert not names & {"GPS:GPSLatitude", "GPS:GPSVersionID"}
    assert [g for g, *_ in pairs] == sorted((g for g, *_ in pairs), key=metadata.GROUPS.index)


def test_ffprobe_tags_and_iso6709():
    probe = {
        "format": {"tags": {"major_brand": "isom", "location-eng": "-33.8+151.2/", "artist": "A"}},
        "streams": [{"index": 0, "tags": {"handler_name": "VideoHandler", "comment": "hi"}}],
    }
    found = metadata.found_from_ffprobe(probe)
    assert {(i["group"], i["value"]) for i in found} == {
        ("location", "-33.8+151.2/"),
        ("author", "A"),
        ("other identifying", "hi"),
    }
    assert next(i for i in found if i["group"] == "location")["lat"] == -33.8
    assert metadata.iso6709("+48.8584+002.2945+35.0/") == (48.8584, 2.2945)
    assert metadata.iso6709("nowhere") is None


def test_removed_is_what_the_clean_copy_no_longer_carries():
    found = [
        {"group": "device", "name": "IFD0:Make", "value": "Acme"},
        {"group": "author", "name": "IFD0:Artist", "value": "Jane"},
    ]
    left = [{"group": "author", "name": "XMP-dc:Creator", "value": "Jane"}]
    marked = metadata.mark_removed(found, left)
    assert [i["removed"] for i in marked] == [True, False]  # an author's name under another tag


def test_orientation_filters_turn_the_picture_upright():
    argv = metadata.image_upright_argv(src="a.jpg", dst="b.jpg", orientation=6, ext="jpg")
    assert argv[argv.index("-vf") + 1] == "transpose=1"
    assert argv.index("-noautorotate") < argv.index("-i")
    assert "-map_metadata" in argv
