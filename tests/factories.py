import factory
from django.utils import timezone

from media_app.models import Comment, Media, Playlist, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    name = factory.LazyAttribute(lambda u: u.username.title())
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MediaFactory(factory.django.DjangoModelFactory):
    """Public, reviewed, encoded media (listable) unless told otherwise."""

    class Meta:
        model = Media

    user = factory.SubFactory(UserFactory, is_verified_journalist=True)
    title = factory.Sequence(lambda n: f"Report {n}")
    description = "Filed from the field."
    media_type = Media.MediaType.VIDEO
    state = Media.State.PUBLIC
    requested_state = Media.State.PUBLIC
    is_reviewed = True
    encoding_status = Media.EncodingStatus.SUCCESS
    media_file = factory.LazyAttribute(lambda m: f"original/xx/{m.title.replace(' ', '_')}.mp4")
    duration = 12.5
    add_date = factory.LazyFunction(timezone.now)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    media = factory.SubFactory(MediaFactory)
    user = factory.SubFactory(UserFactory)
    text = "Thanks for this."


class PlaylistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Playlist

    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Playlist {n}")
