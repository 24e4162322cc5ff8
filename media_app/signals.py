"""Derived data only (no rules here).

* Cache: any saved or deleted media, or a change of its tags or categories, starts a new
  namespace for what anonymous visitors are served.
* Search: the search document of a media (services/search.py) is rebuilt, in the writer's
  transaction, when its title, description, language, tags, categories, subtitles or author's
  name change.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from media_app.models import Category, Media, Subtitle, Tag, User
from media_app.services import search
from media_app.services.cache import listings_changed

# Saves that list their fields rebuild the document only when one of these is among them.
_DOCUMENT_FIELDS = frozenset({"title", "description", "language", "user"})
_AUTHOR_FIELDS = frozenset({"name", "username"})


@receiver(post_save, sender=Media, dispatch_uid="media-saved-listings")
@receiver(post_delete, sender=Media, dispatch_uid="media-deleted-listings")
def _media_changed(**_kwargs) -> None:
    listings_changed()


@receiver(m2m_changed, sender=Media.tags.through, dispatch_uid="media-tags-listings")
@receiver(m2m_changed, sender=Media.categories.through, dispatch_uid="media-cats-listings")
def _media_taxonomy_changed(action: str, **_kwargs) -> None:
    if action.startswith("post_"):
        listings_changed()


@receiver(post_save, sender=Media, dispatch_uid="media-saved-search")
def _media_saved_search(instance: Media, update_fields=None, **_kwargs) -> None:
    if update_fields is None or _DOCUMENT_FIELDS & set(update_fields):
        search.refresh_documents([instance.pk])


@receiver(m2m_changed, sender=Media.tags.through, dispatch_uid="media-tags-search")
@receiver(m2m_changed, sender=Media.categories.through, dispatch_uid="media-cats-search")
def _media_taxonomy_search(action, instance, reverse, model, pk_set, **_kwargs) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:  # media.tags.add(...): one media
        search.refresh_documents([instance.pk])
    elif pk_set:  # tag.media.add(...): these media
        search.refresh_documents(pk_set)


@receiver(post_save, sender=Subtitle, dispatch_uid="subtitle-saved-search")
@receiver(post_delete, sender=Subtitle, dispatch_uid="subtitle-deleted-search")
def _subtitles_changed(instance: Subtitle, **_kwargs) -> None:
    search.refresh_documents([instance.media_id])


@receiver(post_save, sender=User, dispatch_uid="user-saved-search")
def _author_changed(instance: User, created: bool, update_fields=None, **_kwargs) -> None:
    if created or (update_fields is not None and not _AUTHOR_FIELDS & set(update_fields)):
        return
    search.refresh_user_documents(instance.pk)


@receiver(post_save, sender=Tag, dispatch_uid="tag-saved-search")
@receiver(post_save, sender=Category, dispatch_uid="category-saved-search")
def _taxonomy_renamed(instance, created: bool, update_fields=None, **_kwargs) -> None:
    if created or (update_fields is not None and "title" not in update_fields):
        return
    search.refresh_documents(instance.media.values_list("id", flat=True))
