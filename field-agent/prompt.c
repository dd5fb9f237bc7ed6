/* prompt.c -- a report asked for field by field, in Chinese or English. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prompt.h"
#include "taxonomy.h"
#include "utf8.h"
#include "util.h"
#include "validate.h"

#define TRIES	5	/* wrong answers to one question before giving up */

enum { Q_OPTIONAL, Q_REQUIRED, Q_REPEAT };

static const struct question {
	const char	*field;
	int		 kind;
	const char	*zh, *en;
} questions[] = {
	{ "grid", Q_REQUIRED, "网格编码 (15位数字)", "Grid code (15 digits)" },
	{ "category", Q_REQUIRED, "纠纷类别代码 (输入 ? 查看)",
	    "Category code (? lists them)" },
	{ "item", Q_OPTIONAL, "具体事项代码 (可不填, 输入 ? 查看)",
	    "Item code (optional, ? lists them)" },
	{ "colour", Q_REQUIRED, "风险等级 (绿/黄/红)",
	    "Risk colour (green/yellow/red)" },
	{ "people", Q_REQUIRED, "涉及人数", "People involved" },
	{ "summary", Q_REQUIRED, "简要情况 (100字以内)",
	    "Summary (at most 100 characters)" },
	{ "description", Q_OPTIONAL, "详细情况 (可不填)",
	    "Description (optional)" },
	{ "amount", Q_OPTIONAL, "涉及金额, 元 (可不填)",
	    "Amount involved, yuan (optional)" },
	{ "party", Q_REPEAT, "当事人 角色:姓名[:电话[:身份证号[:单位]]], "
	    "角色为 petitioner/respondent/other (空行结束)",
	    "Party ROLE:NAME[:PHONE[:ID NUMBER[:ORGANISATION]]], role "
	    "petitioner/respondent/other (empty line ends)" },
	{ "address", Q_OPTIONAL, "地址 (可不填)", "Address (optional)" },
	{ "occurred", Q_OPTIONAL, "发生时间 YYYY-MM-DD [HH:MM] (可不填)",
	    "Occurred YYYY-MM-DD [HH:MM] (optional)" },
	{ "on-spot", Q_OPTIONAL, "是否已就地化解 (是/否, 默认否)",
	    "Resolved on the spot? (yes/no, default no)" },
};

static int	yes(const char *);
static int	no(const char *);
static void	list_codes(FILE *, int, const char *, const char *);
static int	check(const struct draft *, const struct agent_conf *,
		    const char *, const char *, int, char *, size_t);
static int	check_set(struct draft *, const char *, int, char *, size_t);

static int
yes(const char *s)
{
	return strcmp(s, "y") == 0 || strcmp(s, "yes") == 0 ||
	    strcmp(s, "Y") == 0 || strcmp(s, "是") == 0;
}

static int
no(const char *s)
{
	return strcmp(s, "n") == 0 || strcmp(s, "no") == 0 ||
	    strcmp(s, "N") == 0 || strcmp(s, "否") == 0;
}

/* The classes, or the items of class parent. */
static void
list_codes(FILE *out, int en, const char *field, const char *parent)
{
	for (size_t i = 0; i < taxonomy_len; i++) {
		const struct taxon *t = &taxonomy[i];

		if (strcmp(field, "category") == 0 ? t->parent != NULL :
		    (t->parent == NULL || parent == NULL ||
		    strcmp(t->parent, parent) != 0))
			continue;
		fprintf(out, "  %-4s  %s\n", t->code, en ? t->name_en :
		    t->name_zh);
	}
}

/* Checks that tell the worker at once, before the full rules at the end. */
static int
check(const struct draft *d, const struct agent_conf *c, const char *field,
    const char *v, int en, char *err, size_t errsize)
{
	const struct taxon *t;
	long n;

	if (strcmp(field, "grid") == 0) {
		if (!validate_grid_code(v)) {
			snprintf(err, errsize, en ? "a grid code has 15 digits"
			    : "网格编码应为15位数字");
			return -1;
		}
		if (!agent_conf_has_grid(c, v)) {
			snprintf(err, errsize, en ? "not one of your grids (%s)" :
			    "不是本网格员的网格 (%s)", c->grids);
			return -1;
		}
	} else if (strcmp(field, "category") == 0 ||
	    strcmp(field, "item") == 0) {
		t = taxonomy_find(v);
		if (t == NULL || (field[0] == 'c') != (t->parent == NULL) ||
		    (field[0] == 'i' && (d->r.category == NULL ||
		    strcmp(t->parent, d->r.category) != 0))) {
			snprintf(err, errsize, en ? "unknown %s '%s' (? lists "
			    "them)" : "没有这个%s代码 '%s' (输入 ? 查看)",
			    en ? field : field[0] == 'c' ? "类别" : "事项", v);
			return -1;
		}
	} else if (strcmp(field, "summary") == 0 ||
	    strcmp(field, "description") == 0 ||
	    strcmp(field, "address") == 0) {
		long max = field[0] == 's' ? LIMIT_SUMMARY : field[0] == 'd' ?
		    LIMIT_DESCRIPTION : LIMIT_ADDRESS;

		if ((n = utf8_chars(v, strlen(v))) < 0) {
			snprintf(err, errsize, en ? "not valid UTF-8 text" :
			    "不是有效的 UTF-8 文字");
			return -1;
		}
		if (n > max) {
			snprintf(err, errsize, en ? "%ld characters, at most "
			    "%ld" : "%ld个字, 最多%ld个字", n, max);
			return -1;
		}
	} else if (strcmp(field, "on-spot") == 0 && !yes(v) && !no(v)) {
		snprintf(err, errsize, en ? "answer yes or no" : "请回答 是 或 否");
		return -1;
	}
	return 0;
}

/* Checks of what compose_set_copy() made of an answer, by the rules the
 * report is held to at the end; a failing answer is taken back.  The
 * messages do not repeat the answer (a phone or ID number). */
static int
check_set(struct draft *d, const char *field, int en, char *err,
    size_t errsize)
{
	const Gr__Party *p;

	if (strcmp(field, "party") == 0) {
		p = d->r.parties[d->r.n_parties - 1];
		if (p->phone != NULL && !validate_phone(p->phone)) {
			snprintf(err, errsize, en ? "the phone is not a phone "
			    "number" : "电话号码格式不对");
			d->r.n_parties--;
			return -1;
		}
		if (p->id_number != NULL && !validate_id_number(p->id_number)) {
			snprintf(err, errsize, en ? "the ID number is not "
			    "right (18 characters, the last a digit or X)" :
			    "身份证号不对 (18位, 末位为数字或X)");
			d->r.n_parties--;
			return -1;
		}
	} else if (strcmp(field, "occurred") == 0 && d->r.has_occurred_at &&
	    validate_occurred(d->r.occurred_at, now_ms()) != 0) {
		snprintf(err, errsize, en ? "not before 1990 and not later "
		    "than now" : "应在1990年以后, 且不晚于现在");
		d->r.has_occurred_at = 0;
		return -1;
	}
	return 0;
}

int
prompt_report(FILE *in, FILE *out, const char *lang,
    const struct agent_conf *c, struct draft *d, char *err, size_t errsize)
{
	char *line = xmalloc(COMPOSE_LINE_MAX + 2);
	char msg[256], def[32] = "";
	int en = strcmp(lang, "en") == 0, rc = -1;

	/* The first of the worker's grids is the likely answer. */
	if (c->grids != NULL && strcspn(c->grids, ",") == 15)
		snprintf(def, sizeof(def), "%.15s", c->grids);
	fprintf(out, en ? "New report (an empty answer skips an optional "
	    "field)\n" : "新建上报 (可不填的项直接回车跳过)\n");
	for (size_t i = 0; i < sizeof(questions) / sizeof(questions[0]); i++) {
		const struct question *q = &questions[i];
		int tries = 0;

		for (;;) {
			char *v;
			int got;

			fprintf(out, "%s%s%s%s: ", en ? q->en : q->zh,
			    i == 0 && def[0] ? " [" : "", i == 0 ? def : "",
			    i == 0 && def[0] ? "]" : "");
			fflush(out);
			if ((got = compose_getline(in, line)) == 0) {
				snprintf(err, errsize, en ? "input ended before "
				    "the report was complete; nothing queued" :
				    "输入中断, 报告未完成, 未保存 (input ended)");
				goto out;
			}
			v = line + strspn(line, " \t");
			for (char *e = v + strlen(v); e > v && (e[-1] == ' ' ||
			    e[-1] == '\t'); e--)
				e[-1] = '\0';
			if (got < 0)
				snprintf(msg, sizeof(msg), en ? "answer too long"
				    : "输入过长");
			else if (strcmp(v, "?") == 0 &&
			    (strcmp(q->field, "category") == 0 ||
			    strcmp(q->field, "item") == 0)) {
				list_codes(out, en, q->field, d->r.category);
				continue;
			} else if (*v == '\0' && i == 0 && def[0] != '\0')
				v = def;
			if (got > 0 && *v == '\0') {
				if (q->kind != Q_REQUIRED)
					break;
				snprintf(msg, sizeof(msg), en ? "required" :
				    "此项必填");
			} else if (got > 0 && check(d, c, q->field, v, en, msg,
			    sizeof(msg)) == 0) {
				if (strcmp(q->field, "on-spot") == 0 && no(v))
					break;
				if (compose_set_copy(d, q->field, v, msg,
				    sizeof(msg)) == 0 && check_set(d, q->field,
				    en, msg, sizeof(msg)) == 0) {
					if (q->kind == Q_REPEAT) {
						tries = 0;
						continue;
					}
					break;
				}
			}
			fprintf(out, "  ✗ %s\n", msg);
			if (++tries == TRIES) {
				snprintf(err, errsize, en ? "%s: %s; nothing "
				    "queued" : "%s: %s; 未保存", q->field, msg);
				goto out;
			}
		}
	}
	for (;;) {
		int got;

		fprintf(out, en ? "Send this report? (yes/no) [yes]: " :
		    "确认上报? (是/否) [是]: ");
		fflush(out);
		if ((got = compose_getline(in, line)) == 0) {
			snprintf(err, errsize, en ? "input ended; nothing queued"
			    : "输入中断, 未保存 (input ended)");
			goto out;
		}
		if (got > 0 && (line[0] == '\0' || yes(line))) {
			rc = 1;
			break;
		}
		if (got > 0 && no(line)) {
			snprintf(err, errsize, en ? "cancelled; nothing queued" :
			    "已取消, 未保存 (cancelled)");
			rc = 0;
			break;
		}
	}
out:
	free(line);
	return rc;
}
