"""Media, comments, actions, search, taxonomy and editor listings."""

urlpatterns: list = []
