/* pf-stage-cache.c: the pictures the stage keeps
 *
 * A drawing made once and shown often is kept as a picture (see
 * PfStagePicture in pf-stage-private.h): each pictogram, the still scene
 * with GTK's cairo renderer, and each look of envelope, an art, found by
 * a key of what it shows.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-stage"

#include "config.h"

#include "pf-stage-private.h"

#include <math.h>

/* Pictures */

void
pf_stage_picture_clear (PfStagePicture *picture)
{
  g_clear_pointer (&picture->node, gsk_render_node_unref);
  g_clear_object (&picture->texture);
  g_clear_pointer (&picture->surface, cairo_surface_destroy);
}

GskRenderer *
pf_stage_renderer (PfStage *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));

  return native ? gtk_native_get_renderer (native) : NULL;
}

/* @bounds at @scale, out to whole pixels. */
static void
to_pixels (const graphene_rect_t *bounds,
           double                 scale,
           graphene_rect_t       *out)
{
  double x0 = floor (bounds->origin.x * scale);
  double y0 = floor (bounds->origin.y * scale);

  graphene_rect_init (out, x0, y0,
                      ceil ((bounds->origin.x + bounds->size.width) * scale) - x0,
                      ceil ((bounds->origin.y + bounds->size.height) * scale) - y0);
}

/* The image of @picture's node within @pixels (at @scale). */
static void
render_picture (PfStage               *self,
                PfStagePicture        *picture,
                double                 scale,
                const graphene_rect_t *pixels)
{
  GskRenderer *renderer = pf_stage_renderer (self);

  g_clear_object (&picture->texture);
  g_clear_pointer (&picture->surface, cairo_surface_destroy);
  if (renderer == NULL || pixels->size.width < 1 || pixels->size.height < 1)
    return;

  if (GSK_IS_CAIRO_RENDERER (renderer))
    {
      cairo_t *cr;

      picture->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pixels->size.width,
                                                     pixels->size.height);
      if (cairo_surface_status (picture->surface) != CAIRO_STATUS_SUCCESS)
        {
          g_clear_pointer (&picture->surface, cairo_surface_destroy);
          return;
        }
      cr = cairo_create (picture->surface);
      cairo_translate (cr, -pixels->origin.x, -pixels->origin.y);
      cairo_scale (cr, scale, scale);
      gsk_render_node_draw (picture->node, cr);
      cairo_destroy (cr);
    }
  else
    {
      /* At scale 1 the transform is NULL, the identity. */
      g_autoptr(GskTransform) transform = gsk_transform_scale (NULL, scale, scale);
      GskRenderNode *scaled = transform ? gsk_transform_node_new (picture->node, transform)
                                        : gsk_render_node_ref (picture->node);

      picture->texture = gsk_renderer_render_texture (renderer, scaled, pixels);
      gsk_render_node_unref (scaled);
    }
  picture->image_scale = scale;
  picture->image_pixels = *pixels;
}

/* Shows @picture with its origin at (@x, @y), stage units, on whole
 * device pixels so that its image is copied as it is; only the part
 * within @visible when that is given. @unit is the snapshot's units per
 * stage unit: 1 in the still scene, which is shown scaled, or the scale
 * where the snapshot is in the widget's units, as a cairo surface needs
 * (GTK 4.8's cairo renderer resamples a cairo node drawn under a scale
 * and loses a pixel at its edges). */
void
pf_stage_append_picture (PfStage               *self,
                         GtkSnapshot           *snapshot,
                         PfStagePicture        *picture,
                         double                 x,
                         double                 y,
                         double                 unit,
                         const graphene_rect_t *visible)
{
  double device = self->scale * self->scale_factor;
  graphene_rect_t wanted, pixels, at;

  if (picture->node == NULL)
    return;

  gsk_render_node_get_bounds (picture->node, &wanted);
  if (visible != NULL && !graphene_rect_intersection (&wanted, visible, &wanted))
    return;
  to_pixels (&wanted, device, &pixels);
  if ((picture->texture == NULL && picture->surface == NULL) || picture->image_scale != device ||
      !graphene_rect_contains_rect (&picture->image_pixels, &pixels))
    render_picture (self, picture, device, &pixels);

  if (picture->texture == NULL && picture->surface == NULL)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_scale (snapshot, unit, unit);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
      gtk_snapshot_append_node (snapshot, picture->node);
      gtk_snapshot_restore (snapshot);
      return;
    }

  /* Whole device pixels from the stage's origin, which is on one. */
  x = round (x * device) * unit / device;
  y = round (y * device) * unit / device;
  graphene_rect_init (&at,
                      x + picture->image_pixels.origin.x * unit / device,
                      y + picture->image_pixels.origin.y * unit / device,
                      picture->image_pixels.size.width * unit / device,
                      picture->image_pixels.size.height * unit / device);
  if (picture->surface != NULL)
    {
      GskRenderNode *node;
      cairo_t *cr;

      g_assert (unit == self->scale);
      node = gsk_cairo_node_new (&at);
      cr = gsk_cairo_node_get_draw_context (node);
      cairo_translate (cr, at.origin.x, at.origin.y);
      cairo_scale (cr, 1.0 / self->scale_factor, 1.0 / self->scale_factor);
      cairo_set_source_surface (cr, picture->surface, 0, 0);
      cairo_paint (cr);
      cairo_destroy (cr);
      gtk_snapshot_append_node (snapshot, node);
      gsk_render_node_unref (node);
    }
  else
    gtk_snapshot_append_texture (snapshot, picture->texture, &at);
}

/* Arts */

void
pf_stage_art_free (PfStageArt *art)
{
  pf_stage_picture_clear (&art->picture);
  g_free (art);
}

static PfStageArt *
get_art (PfStage        *self,
         const char     *key,
         const PfPacket *packet)
{
  PfStageArt *art = g_hash_table_lookup (self->arts, key);

  if (art == NULL)
    {
      art = pf_stage_art_new (self, packet);
      g_hash_table_insert (self->arts, g_strdup (key), art);
    }
  return art;
}

void
pf_stage_clear_arts (PfStage *self)
{
  for (guint i = 0; i < self->flights->len; i++)
    g_array_index (self->flights, PfStageFlight, i).art = NULL;
  self->parked_art = NULL;
  g_hash_table_remove_all (self->arts);
}

PfStageArt *
pf_stage_flight_art (PfStage       *self,
                     PfStageFlight *f)
{
  if (f->art == NULL)
    f->art = get_art (self, f->art_key, pf_event_get_packet (f->event));
  return f->art;
}

PfStageArt *
pf_stage_parked_art (PfStage *self)
{
  if (self->parked_art == NULL)
    {
      PfPacket *packet = pf_event_get_packet (self->parked);
      g_autofree char *key = pf_stage_art_key_for (self, packet);

      self->parked_art = get_art (self, key, packet);
    }
  return self->parked_art;
}
