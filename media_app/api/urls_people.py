"""Users, auth, playlists, journalist verification and review."""

urlpatterns: list = []
