from media_app.models.api_tokens import ApiToken
from media_app.models.encoding_lease import EncodingLease
from media_app.models.media import Category, EncodeProfile, Encoding, Media, Subtitle, Tag
from media_app.models.search import SearchDocument, SearchTerm
from media_app.models.social import Comment, MediaAction, Playlist, PlaylistMedia
from media_app.models.storage_migration import StorageCopy
from media_app.models.trust import Correction, HistoryEntry, HistoryStamp
from media_app.models.uploads import ResumableUpload
from media_app.models.users import JournalistVerification, User

__all__ = (
    "ApiToken",
    "Category",
    "Comment",
    "Correction",
    "EncodeProfile",
    "Encoding",
    "EncodingLease",
    "HistoryEntry",
    "HistoryStamp",
    "JournalistVerification",
    "Media",
    "MediaAction",
    "Playlist",
    "PlaylistMedia",
    "ResumableUpload",
    "SearchDocument",
    "SearchTerm",
    "StorageCopy",
    "Subtitle",
    "Tag",
    "User",
)
