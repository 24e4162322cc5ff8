"""Cache invalidation only (no rules here): any saved or deleted media, or a change of its
tags or categories, starts a new namespace for what anonymous visitors are served."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from media_app.models import Media
from media_app.services.cache import listings_changed


@receiver(post_save, sender=Media, dispatch_uid="media-saved-listings")
@receiver(post_delete, sender=Media, dispatch_uid="media-deleted-listings")
def _media_changed(**_kwargs) -> None:
    listings_changed()


@receiver(m2m_changed, sender=Media.tags.through, dispatch_uid="media-tags-listings")
@receiver(m2m_changed, sender=Media.categories.through, dispatch_uid="media-cats-listings")
def _media_taxonomy_changed(action: str, **_kwargs) -> None:
    if action.startswith("post_"):
        listings_changed()
