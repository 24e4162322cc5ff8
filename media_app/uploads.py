"""Upload handling: stream to a temporary file on disk and stop at the configured size."""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


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
