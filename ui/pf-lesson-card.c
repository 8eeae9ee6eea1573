/* pf-lesson-card.c: the scenario's lesson, on a card over the stage
 *
 * The card holds the scenario's title, summary and lesson text and, after
 * the last step, what the run showed (pf-window-lesson.c writes it). Its
 * type is large: it is read from the back of a lecture hall.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-lesson-card"

#include "config.h"

#include "pf-lesson-card.h"

struct _PfLessonCard
{
  AdwBin     parent_instance;

  char      *text;

  /* Template children */
  GtkLabel  *title_label;
  GtkLabel  *summary_label;
  GtkLabel  *lesson_label;
  GtkWidget *seen_box;
  GtkLabel  *seen_label;
};

G_DEFINE_FINAL_TYPE (PfLessonCard, pf_lesson_card, ADW_TYPE_BIN)

static void
update_text (PfLessonCard *self)
{
  const char *parts[] = {
    gtk_label_get_text (self->title_label),
    gtk_label_get_text (self->summary_label),
    gtk_widget_get_visible (GTK_WIDGET (self->lesson_label)) ? gtk_label_get_text (self->lesson_label) : "",
    gtk_widget_get_visible (self->seen_box) ? gtk_label_get_text (self->seen_label) : "",
  };
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      if (parts[i][0] == '\0')
        continue;
      if (text->len > 0)
        g_string_append (text, "\n\n");
      g_string_append (text, parts[i]);
    }

  g_free (self->text);
  self->text = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->text,
                                  -1);
}

static void
pf_lesson_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), PF_TYPE_LESSON_CARD);

  G_OBJECT_CLASS (pf_lesson_card_parent_class)->dispose (object);
}

static void
pf_lesson_card_finalize (GObject *object)
{
  g_free (PF_LESSON_CARD (object)->text);

  G_OBJECT_CLASS (pf_lesson_card_parent_class)->finalize (object);
}

static void
pf_lesson_card_class_init (PfLessonCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_lesson_card_dispose;
  object_class->finalize = pf_lesson_card_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/packetflow/PacketFlow/ui/pf-lesson-card.ui");
  gtk_widget_class_bind_template_child (widget_class, PfLessonCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, PfLessonCard, summary_label);
  gtk_widget_class_bind_template_child (widget_class, PfLessonCard, lesson_label);
  gtk_widget_class_bind_template_child (widget_class, PfLessonCard, seen_box);
  gtk_widget_class_bind_template_child (widget_class, PfLessonCard, seen_label);
  gtk_widget_class_set_css_name (widget_class, "pf-lesson-card");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_lesson_card_init (PfLessonCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->text = g_strdup ("");
}

GtkWidget *
pf_lesson_card_new (void)
{
  return g_object_new (PF_TYPE_LESSON_CARD, NULL);
}

/* Shows @scenario's title, summary and lesson (the lesson is left out
 * when the scenario has none); NULL empties the card. */
void
pf_lesson_card_set_scenario (PfLessonCard     *self,
                             const PfScenario *scenario)
{
  g_return_if_fail (PF_IS_LESSON_CARD (self));

  gtk_label_set_text (self->title_label, scenario ? scenario->title : "");
  gtk_label_set_text (self->summary_label, scenario ? scenario->summary : "");
  gtk_label_set_text (self->lesson_label, scenario && scenario->lesson ? scenario->lesson : "");
  gtk_widget_set_visible (GTK_WIDGET (self->lesson_label), scenario != NULL && scenario->lesson != NULL);
  update_text (self);
}

/* What the run showed, or NULL to leave that part out. */
void
pf_lesson_card_set_seen (PfLessonCard *self,
                         const char   *seen)
{
  g_return_if_fail (PF_IS_LESSON_CARD (self));

  gtk_label_set_text (self->seen_label, seen ? seen : "");
  gtk_widget_set_visible (self->seen_box, seen != NULL);
  update_text (self);
}

/* Everything the card shows, as one text: for tests and screen readers. */
const char *
pf_lesson_card_get_text (PfLessonCard *self)
{
  g_return_val_if_fail (PF_IS_LESSON_CARD (self), NULL);
  return self->text;
}
