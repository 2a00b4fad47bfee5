/**
 * Jinja templates as a run-scoped service: {@link org.evomerge.api.template.JinjaTemplates} renders the templates of
 * lm-evaluation-harness task files the way Python's jinja2 does, for evaluators that read those files.
 */
package org.evomerge.api.template;
