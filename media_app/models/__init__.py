from media_app.models.api_tokens import ApiToken
from media_app.models.encoding_lease import EncodingLease
from media_app.models.media import Category, EncodeProfile, Encoding, Media, Tag
from media_app.models.social import Comment, MediaAction, Playlist, PlaylistMedia
from media_app.models.storage_migration import StorageCopy
from media_app.models.uploads import ResumableUpload
from media_app.models.users import JournalistVerification, User

__all__ = (
    "ApiToken",
    "Category",
    "Comment",
    "EncodeProfile",
    "Encoding",
    "EncodingLease",
    "JournalistVerification",
    "Media",
    "MediaAction",
    "Playlist",
    "PlaylistMedia",
    "ResumableUpload",
    "StorageCopy",
    "Tag",
    "User",
)
