"""Upload handling: stream to a temporary file on disk (filesystem mode) or to the bucket (S3
mode, ``BucketUploadHandler``) and stop at the configured size."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import (
    FileUploadHandler,
    SkipFile,
    StopUpload,
    TemporaryFileUploadHandler,
)


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Writes each uploaded file to disk chunk by chunk, refusing past ``UPLOAD_MAX_SIZE``.

    Refusal marks the request (``request.upload_too_large``) so the view can answer 413 after
    Django has dropped the partial file.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length and content_length > settings.UPLOAD_MAX_SIZE + 64 * 1024:
            self._refuse()
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_SIZE:
            self._refuse()
        return super().receive_data_chunk(raw_data, start)

    def _refuse(self):
        if self.request is not None:
            self.request.upload_too_large = True
        raise StopUpload(connection_reset=False)


class BucketUploadHandler(FileUploadHandler):
    """S3 mode, ``POST /api/v1/media``: the file goes to the bucket as it arrives.

    Each ``STREAM_PART`` of the body becomes one part of an S3 multipart upload
    (``media_app.services.uploads_s3.BucketStream``), so neither memory nor a temporary file ever
    holds the whole body. Installed by the view before the form is read; the same
    ``UPLOAD_MAX_SIZE`` refusal as ``LimitedTemporaryFileUploadHandler``. The stream is left on
    the request (``request.bucket_stream``) so the view can drop the object of a refused upload.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        self.stream = None
        if content_length and content_length > settings.UPLOAD_MAX_SIZE + 64 * 1024:
            self._refuse()

    def new_file(self, field_name, *args, **kwargs):
        super().new_file(field_name, *args, **kwargs)
        if field_name != "media_file" or self.stream is not None:
            raise SkipFile()  # the form has one file; anything else is not read into memory
        from media_app.services.uploads_s3 import BucketStream

        self.stream = BucketStream()
        if self.request is not None:
            self.request.bucket_stream = self.stream

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_SIZE:
            self._refuse()
        self.stream.write(raw_data)

    def file_complete(self, file_size):
        self.stream.finish()
        return StreamedToBucket(self.stream, self.file_name, self.content_type, file_size)

    def upload_interrupted(self):
        if self.stream is not None:
            self.stream.discard()

    def _refuse(self):
        if getattr(self, "stream", None) is not None:
            self.stream.discard()
        if self.request is not None:
            self.request.upload_too_large = True
        raise StopUpload(connection_reset=False)


class StreamedToBucket(UploadedFile):
    """What ``BucketUploadHandler`` gives the form: the file's name, size and stream; its bytes
    are in the bucket (or, for a file that is not media, nowhere)."""

    def __init__(self, stream, name, content_type, size):
        super().__init__(file=None, name=name, content_type=content_type, size=size)
        self.stream = stream
