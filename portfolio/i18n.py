"""The message catalogue: the texts the CLI shows people, in English and Chinese.

Language: PORTFOLIO_LANG (`zh` or `en`) first; else a Chinese locale in LC_ALL, LC_MESSAGES or
LANG (`zh_CN.UTF-8`); else English. Read on every lookup, so it costs nothing at import and
tests can switch it.

How to add a message (for every command, including new report commands):
- In code, write the English text through `t()`: `note(t("wrote {n} rows to {path}", n=…, path=…))`.
  Placeholders are `str.format` fields filled from the keyword arguments.
- Counted things go through `plural()`: `plural(n, "{n} update", "{n} updates")`; the Chinese
  entry is catalogued under the singular English text (Chinese has one form).
- Add the English text and its Chinese to CATALOGUE below, keeping its placeholders.
- Help texts (command docstrings, `help=` of options and groups) need no `t()`: the help
  formatter (portfolio/cli/_help.py) looks each one up here by its English text, and
  METAVARS gives the word shown for an option's value (`--county 县(区)`).
- Errors and notes the library writes in English (`UserInputError(f"unknown plan {value!r}…")`)
  are translated where they are shown (cli/_context.py: `fail`, `note`) by the templates in
  ERRORS: the English text with {fields} where values stand, and its Chinese.
A text missing from the catalogue shows in English; tests/test_cli_language.py checks that
every command's help is catalogued.
"""

from __future__ import annotations

import functools
import os
import re

CATALOGUE: dict[str, str] = {
    # --- help: the tool, groups and commands ---
    "Key projects of the Tibetan prefectures' five-year plans: find them by county, sector, plan and status, "
    "and record their progress.": "西藏各地市五年规划中的重点项目：按县(区)、行业、规划和状态查找，并记录进展。",
    "Find projects, show them, and record their progress.": "查找和查看项目，记录项目进展。",
    "List projects matching every filter given. A programme appears under each county it spans.": "列出符合全部条件的项目。项目群出现在它涉及的每个县(区)下。",
    "--format oc4ids writes an OC4IDS 0.9 project package (JSON).": "--format oc4ids 输出 OC4IDS 0.9 项目包 (JSON)。",
    "Substring search over names, sub-headings and notes (供水, 污水处理厂, 江孜).": "在名称、分项和备注中查找文字（供水、污水处理厂、江孜）。",
    "Every field of one project: divisions, provenance and status history.": "一个项目的全部信息：行政区划、出处和状态历史。",
    "Every field of one project: divisions, provenance, links and status history.": "一个项目的全部信息：行政区划、出处、关联条目和状态历史。",
    "--format json gives the object `projects list --format json` gives for the project (its history is "
    "`projects history CODE --format json`).": "--format json 输出与 `projects list --format json` 中该项目完全相同的对象"
    "（历史记录见 `projects history 编号 --format json`）。",
    "The dated status history of a project, oldest first.": "项目的状态历史，按日期从早到晚。",
    "Record a new status for a project; earlier statuses stay in its history.": "记录项目的新状态；以前的状态保留在历史中。",
    "Count projects by one dimension, or pivot two (--by county --then sector).": "按一个维度统计项目数，或按两个维度交叉统计（--by county --then sector）。",
    "A programme spanning several counties counts once under each of them.": "涉及多个县(区)的项目群在每个县(区)下各计一次。",
    "The gazetteer: divisions with GB/T 2260 codes, aliases and project counts.": "行政区划表：GB/T 2260 代码、别名和项目数。",
    "The source plans with their counts of 专栏, projects and indicators.": "来源规划及其专栏、项目和指标数。",
    "The 专栏 of each plan with counts of projects, programmes and places.": "各规划的专栏及其项目、项目群和城镇数。",
    "The sector taxonomy and its OC4IDS projectSector codes.": "行业分类及对应的 OC4IDS projectSector 代码。",
    "The plans' indicator tables (主要指标): unit, baseline, target, attribute.": "规划的主要指标表：单位、基期值、目标值、属性。",
    "Towns and areas of the urban-system 专栏 (not projects).": "城镇体系专栏中的城镇和片区（不是项目）。",
    "Status updates in bulk.": "批量更新状态。",
    "Check every row first, then apply all of them or none.": "先检查每一行，再全部导入或全部不导入。",
    "A .csv (UTF-8, UTF-8 with BOM, or GBK) or .xlsx sheet with columns code/项目编号, status/状态, date/日期, "
    "note/备注.": ".csv（UTF-8、带 BOM 的 UTF-8 或 GBK）或 .xlsx 表格，列为 项目编号/code、状态/status、日期/date、备注/note。",
    "Validate and load the curated seed files.": "检查并载入整理好的种子文件。",
    "Validate every seed file and report every problem as file:line: message.": "检查每个种子文件，逐条报告问题（文件:行: 说明）。",
    "Validate, then apply in one transaction: insert new, update changed, keep the rest.": "先检查，再在一个事务中写入：新增新的，更新改动的，其余不变。",
    "Status history entered by users is never deleted or altered by a reload.": "重新载入从不删除或改动用户录入的状态历史。",
    "A seeds directory (default: the seeds shipped with portfolio).": "种子目录（默认：portfolio 自带的种子数据）。",
    "Report what would change; change nothing.": "只报告将会改动什么，不做改动。",
    "Delete items no longer in the seeds (never those with user status history).": "删除种子中已没有的条目（有用户状态历史的除外）。",
    "Draft a seed file from a plan's 专栏 (items to review are marked `review:`).": "从规划的专栏起草种子文件（需复核的条目标有 `review:`）。",
    "The plan as plain text (.txt), or a draft (.yaml) to compare.": "规划的纯文本 (.txt)，或要比较的草稿 (.yaml)。",
    "Plan key of the draft (e.g. lhasa-15-fyp).": "草稿的规划代号（如 lhasa-15-fyp）。",
    "Prefecture the plan covers (default: guessed).": "规划覆盖的地市（默认：自动判断）。",
    "Code prefix for the items (default from --plan).": "条目编号前缀（默认取自 --plan）。",
    "Write the draft here (.yaml).": "草稿写到这里 (.yaml)。",
    "A curated plan file: print recall, precision and agreement, and every difference.": "整理好的规划文件：输出召回率、准确率、一致率和每处差异。",
    "table, plain, csv, json …": "table、plain、csv、json …",
    "Install completion for the current shell.": "为当前 shell 安装命令补全。",
    "Show completion for the current shell, to copy it or customize the installation.": "显示当前 shell 的补全脚本，可复制或自行安装。",
    "Inspect, upgrade, back up or reset the database.": "查看、升级、备份或重置数据库。",
    "Where the database is, its schema revision, and row counts per table and plan.": "数据库位置、结构版本，以及各表和各规划的行数。",
    "Bring the schema to the latest revision (done automatically on every use).": "把数据库结构升级到最新版本（每次使用时自动进行）。",
    "Copy a SQLite database, safely even while in use (PostgreSQL: use pg_dump).": "复制 SQLite 数据库，使用中也安全（PostgreSQL 请用 pg_dump）。",
    "Set up the portfolio tables and seed data, also in a database that holds other tables.": "建立项目库的表并载入种子数据，数据库中已有其他表时也可以。",
    "Delete everything, including status history, and reload the seeds.": "删除全部数据（包括状态历史），重新载入种子数据。",
    # --- help: options ---
    "Database: a SQLite file path, sqlite:///PATH, or postgresql://USER:PASSWORD@HOST/DB "
    "(default: portfolio.db in the user data directory).": "数据库：SQLite 文件路径、sqlite:///路径 或 postgresql://用户:密码@主机/库名（默认：用户数据目录中的 portfolio.db）。",
    "Show the version and exit.": "显示版本并退出。",
    "Show this message and exit.": "显示本帮助并退出。",
    "County or district: name, short name (芒康), pinyin (mangkang), common romanised name (Markam) or GB/T 2260 "
    "code. Repeatable, or a list: 芒康,江孜.": "县(区)：名称、简称（芒康）、拼音（mangkang）、常用外文名（Markam）或 GB/T 2260 代码。可重复，或写成列表：芒康,江孜。",
    "Prefecture-level city (拉萨, 日喀则, 昌都): everything in it.": "地级市（拉萨、日喀则、昌都）：其中的全部项目。",
    "Sector code, label or the start of it (water_supply, 供水, 道路), or an OC4IDS code (waterAndWaste). "
    "Repeatable; see `portfolio sectors`.": "行业代码、名称或名称开头（water_supply、供水、道路），或 OC4IDS 代码（waterAndWaste）。可重复；见 `portfolio sectors`。",
    "Plan key (see `portfolio plans`). Repeatable.": "规划代号（见 `portfolio plans`）。可重复。",
    "专栏 number (with --plan).": "专栏编号（配合 --plan）。",
    "谋划 前期 在建 建成 暂缓 取消 (or OC4IDS codes: implementation…). Repeatable.": "谋划 前期 在建 建成 暂缓 取消（或 OC4IDS 代码：implementation…）。可重复。",
    "project (项目) or programme (项目群).": "项目 (project) 或项目群 (programme)。",
    "Text that must occur in the name, sub-heading or note (terms separated by spaces; repeat -q for more terms).": "名称、分项或备注中必须出现的文字（多个词用空格分开，或重复 -q）。",
    "table, plain, csv, tsv, json, jsonl, markdown, or any tabulate format.": "table、plain、csv、tsv、json、jsonl、markdown 或任一 tabulate 格式。",
    "Write to a file instead: .csv .tsv .json .jsonl .md .txt .xlsx.": "写入文件：.csv .tsv .json .jsonl .md .txt .xlsx。",
    "Overwrite an existing output file.": "覆盖已有的输出文件。",
    "At most this many rows.": "最多显示这么多行。",
    "code, name or county (pinyin order), sector, status (lifecycle order), plan or date (newest first).": "code、name 或 county（按拼音）、sector、status（按进度阶段）、plan 或 date（最新的在前）。",
    "Chinese or other text; several terms must all occur.": "要查找的文字；多个词须全部出现。",
    "Project code, e.g. CD14-05-009.": "项目编号，如 CD14-05-009。",
    "Project code.": "项目编号。",
    "谋划 前期 在建 建成 暂缓 取消, or an OC4IDS code.": "谋划 前期 在建 建成 暂缓 取消，或 OC4IDS 代码。",
    "Effective date, YYYY-MM-DD (default today).": "生效日期，YYYY-MM-DD（默认今天）。",
    "Why, or what happened.": "原因或经过。",
    "table or json.": "table 或 json。",
    "county, prefecture, sector, plan, status, kind or column": "county、prefecture、sector、plan、status、kind 或 column",
    "A second dimension, as columns.": "第二个维度，作为列。",
    "Bar chart of the first dimension.": "第一个维度的条形图。",
    "Only this plan (key).": "只看这个规划（代号）。",
    "The backup file to write.": "要写入的备份文件。",
    "Overwrite an existing file.": "覆盖已有文件。",
    "Do not ask for confirmation.": "不再询问确认。",
    "Check every row, change nothing.": "检查每一行，不做任何修改。",
    # --- help: the formatter's own words ---
    "Usage: ": "用法：",
    "Options": "选项",
    "Arguments": "参数",
    "Commands": "命令",
    "required": "必填",
    "default": "默认",
    "env var": "环境变量",
    # --- messages and errors ---
    "error: {message}": "错误：{message}",
    "{message} (see `{command} --help`)": "{message}（见 `{command} --help`）",
    "No such option: {name}": "没有这个选项：{name}",
    "No such command '{name}'.": "没有这个命令：'{name}'。",
    "Option '{name}' requires an argument.": "选项 '{name}' 需要一个值。",
    "Missing argument '{name}'.": "缺少参数 '{name}'。",
    "Missing option '{name}'.": "缺少选项 '{name}'。",
    "Missing parameter: {name}": "缺少参数：{name}",
    "Got unexpected extra argument ({name})": "多余的参数（{name}）",
    "Option '{name}' does not take a value.": "选项 '{name}' 不带值。",
    "invalid value for {name}: {reason}": "{name} 的值有误：{reason}",
    "it must be at least {n}": "不能小于 {n}",
    "it must be at most {n}": "不能大于 {n}",
    "it must be a whole number": "须为整数",
    "it must be a number": "须为数字",
    "{path} does not exist": "{path} 不存在",
    "{path} is a file, not a folder": "{path} 是文件，不是文件夹",
    "{path} is a folder, not a file": "{path} 是文件夹，不是文件",
    "{path} cannot be read (no permission)": "无法读取 {path}（没有权限）",
    "{path} cannot be written (no permission)": "无法写入 {path}（没有权限）",
    "{n} status update recorded from {path}": "已从 {path} 记录 {n} 条状态更新",
    "wrote {n} row to {path}": "已写入 {n} 行到 {path}",
    "no matching projects": "没有符合条件的项目",
    "no matching rows": "没有符合条件的行",
    # --- tables on a terminal ---
    "Only these columns, in this order: keys or headers separated by commas (code,name,status or 编号,名称,状态).": "只显示这些列，按给出的顺序：列名或表头，用逗号分隔（code,name,status 或 编号,名称,状态）。",
    "Print long tables straight to the terminal instead of through a pager ($PAGER, else less; never used when "
    "the output is piped).": "长表格直接输出到终端，不经过分页器（$PAGER，否则 less；输出到管道时从不分页）。",
    "{n} row": "{n} 项",
    "showing {shown} of {total}": "显示 {shown} / {total}",
    "{n} column not shown ({labels}): choose columns with --columns, or see every one with --format plain": "未显示 {n} 列（{labels}）：用 --columns 选择列，或用 --format plain 查看全部",
    "other": "其他",
    "no bar to draw: every value is 0": "无数据（各项均为 0，不画条形图）",
    # --- counted messages (plural() looks the Chinese up under the singular) ---
    "{n} matching programme is not exported: OC4IDS describes projects, and its parts name it": "{n} 个符合条件的项目群未导出：OC4IDS 描述的是项目，项目群由其组成项目引用",
    "; {n} row repeats the current status and was skipped": "；{n} 行与当前状态相同，已跳过",
    "dry run: {n} update is valid": "试运行：{n} 条更新有效",
    "; nothing was changed": "；未做任何改动",
    "{n} problem in {path}": "{path} 中有 {n} 处问题",
    "{n} item is no longer in the seeds and was kept (use --prune to delete it): {codes}": "{n} 个条目已不在种子中，已保留（用 --prune 删除）：{codes}",
    "kept {n} item with user status history: {codes}": "保留了 {n} 个有用户状态历史的条目：{codes}",
    "wrote {n} project of {label} for {period} to {path}": "已将{label} {period} 的 {n} 个项目写入 {path}",
    "the draft has {n} problem: {first}": "草稿有 {n} 处问题，如：{first}",
    "wrote {n} project to {path}": "已写入 {n} 个项目到 {path}",
    "{file}: read sheet {sheet} ({n} row, period {period})": "{file}：已读取工作表 {sheet}（{n} 行，填报期 {period}）",
    "; ignored columns: {columns}": "；未使用的列：{columns}",
    "dry run: {summary}; nothing was changed": "试运行：{summary}；未做任何改动",
    "nothing changed: every value is already recorded ({summary})": "没有改动：所有数值都已记录（{summary}）",
    "{n} new report": "新增填报 {n} 条",
    "{n} corrected (earlier values kept as retracted)": "更正 {n} 条（原数值保留并标为已撤销）",
    "{n} status change": "状态变更 {n} 条",
    "{n} field change": "字段变更 {n} 条",
    "{n} row unchanged": "{n} 行无变化",
    ", ": "，",
    "wrote the {period} 通报 ({n} project, {red_or_yellow} red or yellow) to {path}": "已将 {period} 通报（{n} 个项目，红灯和黄灯 {red_or_yellow} 个）写入 {path}",
    "Delete every project and all status history in {database}?": "删除 {database} 中的全部项目和全部状态历史？",
    "database: {database}": "数据库：{database}",
    "schema revision: {revision} (latest {latest})": "结构版本：{revision}（最新为 {latest}）",
    "schema revision: {revision}": "结构版本：{revision}",
    "no projects with that light": "没有亮该颜色预警灯的项目",
    "no projects": "没有项目",
    "other sums {labels} (too wide for the terminal; --format plain shows every column)": "其他 = {labels} 之和（终端宽度不够；--format plain 显示全部列）",
    # --- help added with works counting and progress reporting ---
    "--county matches where a work stands; --level 市级 the works the plan places under the prefecture.": "--county 按工程所在地匹配；--level 市级 选出规划列在市级名下的工程。",
    "--output 通报.xlsx writes the 通报: one sheet per breakdown with a native bar chart, and the lights.": "--output 通报.xlsx 生成通报：每种分组一张工作表（带柱状图），另附预警清单。",
    'An empty value ("") clears a field. A value equal to the current one records nothing.': '空值（""）清除该字段。与当前值相同的值不作记录。',
    "Bar chart of 投资完成率 on a terminal.": "在终端上显示投资完成率柱状图。",
    "Check every row first, then apply all of them or none. Rows that repeat a project's latest status event are skipped, so importing the same sheet twice changes nothing.": "先检查每一行，再全部导入或全不导入。与项目最新状态记录相同的行会跳过，同一表格导入两次不会改变任何数据。",
    "Check every row of every file first, list every problem as file:sheet:row: column: message, then import all or nothing. Importing the same sheets again changes nothing; a corrected sheet for a period replaces that period's values and keeps the earlier ones as retracted.": "先检查所有文件的每一行，按“文件:工作表:行: 列: 问题”列出全部问题，再全部导入或全不导入。再次导入相同表格不会改变数据；同一期的更正表替换该期数值，原数值保留并标为已撤销。",
    "Check everything, change nothing.": "只检查，不修改。",
    "Count works by one dimension, or pivot two (--by county --then sector).": "按一个维度统计工程数，或按两个维度交叉统计（--by county --then sector）。",
    "Each project's warning light (预警) for a period, with the reason for it; red first.": "某一期各项目的预警灯及原因；红灯在前。",
    "Each work counts once: where a programme's parts stand, the parts count and the programme does not, under any filter; a work listed in two 专栏 counts once, with its primary listing's status and sector (--count listings counts every item instead). Rows by status, kind or sector add up to the 合计; a work standing in several counties counts once under each of them; works whose county the plan does not give show as 未明确县(区).": "每项工程只计一次：项目群的组成项目所在之处计组成项目、不计项目群本身，无论如何筛选；在两个专栏中列出的同一工程计一次，状态和行业取其主条目（--count listings 则按规划条目计数）。按状态、类型或行业统计时各行之和等于合计；涉及多个县(区)的工程在每个县(区)下各计一次；规划未写明县(区)的工程显示为“未明确县(区)”。",
    "Every event of a project, oldest first: status changes, field changes (项目代码, 总投资, 计划开工 …) and period reports, with who recorded each and when; retracted events stay, marked 已撤销.": "项目的全部记录，按时间从早到晚：状态变更、字段变更（项目代码、总投资、计划开工……）和各期填报，以及记录人和记录时间；已撤销的记录保留并标明“已撤销”。",
    "Every office in one sheet.": "所有填报单位合在一张表中。",
    "Filled-in sheets: .xlsx .xls .csv .tsv .txt (UTF-8/GBK/UTF-16).": "填好的表格：.xlsx .xls .csv .tsv .txt（UTF-8/GBK/UTF-16）。",
    "Import the sheets as this office's (refused if a sheet says another office).": "按此填报单位导入（表格注明其他单位时拒绝）。",
    "Mark a mistaken event retracted: it stays in the history, marked, and stops counting.": "将错误记录标为已撤销：它保留在历史中并加标记，不再计入。",
    "Offices of one level: 县级, 市级 or 区级.": "某一层级的填报单位：县级、市级或区级。",
    "Only this light: red/红, yellow/黄 or green/绿.": "只显示此颜色：red/红、yellow/黄 或 green/绿。",
    "Progress reporting (调度): sheets, import, lights, rates.": "项目调度：填报表、导入、预警、四率。",
    "Reporting period, YYYY-MM (default: this month).": "填报期，YYYY-MM（默认：本月）。",
    "Set the fields an office tracks; each change is recorded with the old value, who and when.": "设置项目调度字段；每次修改都记录原值、记录人和时间。",
    "The .xlsx file to write.": "要写入的 .xlsx 文件。",
    "The event's id from `projects history` (S12, F3, R7).": "记录编号，见 `projects history`（S12、F3、R7）。",
    "The period the sheets are for, YYYY-MM; needed for a sheet of another period than this month or one that does not say its period.": "表格所属填报期，YYYY-MM；表格不是本月的或未注明填报期时必须给出。",
    "Who records this (default: database role or system user).": "记录人（默认：数据库角色或系统用户）。",
    "Who records this (default: the database role on PostgreSQL, else your system user).": "记录人（默认：PostgreSQL 上为数据库角色，否则为系统用户）。",
    "Why the event is retracted.": "撤销原因。",
    "Why, or the source.": "原因或依据。",
    "Write the sheet an office fills in for a period: one row per project of the office (--county, several counties, --level 市级, or --all), current values filled in, with a 填报说明 sheet.": "生成某一期的填报表：每个项目一行（--county、多个县(区)、--level 市级 或 --all），预填当前数值，附“填报说明”工作表。",
    "county (填报单位), sector, plan or level.": "county（填报单位）、sector、plan 或 level。",
    "top: items that are part of no programme; leaf: items without parts (the finest level).": "top：不属于任何项目群的条目；leaf：没有组成项目的条目（最细一级）。",
    "works: each work once (a programme's parts, not the programme; a work listed twice once); listings: every item of the plans.": "works：每项工程计一次（计组成项目而不计项目群；重复列出的工程计一次）；listings：规划的每个条目。",
    "实际开工, YYYY-MM.": "实际开工，YYYY-MM。",
    "实际竣工, YYYY-MM.": "实际竣工，YYYY-MM。",
    "市级 (listed under the prefecture or owned by it) or 县级. Repeatable.": "市级（列在市级名下或由市级负责）或县级。可重复。",
    "年度计划投资 for a year, YEAR=万元 (e.g. 2026=800); repeatable.": "某年的年度计划投资，年份=万元（如 2026=800）；可重复。",
    "开工率, 投资完成率, 按期竣工率 and 填报率 for a period by county, sector, plan or level.": "某一期按县(区)、行业、规划或层级统计的开工率、投资完成率、按期竣工率和填报率。",
    "总投资, 万元.": "总投资，万元。",
    "联系人.": "联系人。",
    "计划开工, YYYY-MM.": "计划开工，YYYY-MM。",
    "计划竣工, YYYY-MM.": "计划竣工，YYYY-MM。",
    "责任单位.": "责任单位。",
    "项目代码, GB/T 40058-2021: YYYY-RRRRRR-DD-TT-NNNNNN.": "项目代码，GB/T 40058-2021：YYYY-RRRRRR-DD-TT-NNNNNN。",
    # --- portfolio serve (the web front end) ---
    "Serve the web pages (browse, facets, search, project pages, reports) and the JSON API (/api/docs).": "启动网页（浏览、筛选、搜索、项目页、统计）和 JSON 接口（/api/docs）。",
    "Address to listen on (0.0.0.0: every interface).": "监听地址（0.0.0.0：所有网卡）。",
    "TCP port.": "TCP 端口。",
    "Worker processes (2 or more on a machine with several cores: they serve pages in parallel).": (
        "工作进程数（多核机器上宜用 2 个或更多：各进程并行处理页面请求）。"
    ),
    "portfolio web: {url}  (database {database}; Ctrl+C stops)": "portfolio 网页：{url}（数据库 {database}；按 Ctrl+C 停止）",
    # --- accounts (portfolio users) ---
    "Accounts for the web front end: roles and county scopes.": "网页端账户：角色和县(区)范围。",
    "Account name (no spaces), e.g. 江孜县发改委.": "账户名（不含空格），如 江孜县发改委。",
    "Read the password from standard input (one line) instead of asking.": "从标准输入读取密码（一行），不再询问。",
    "admin (all projects, accounts), editor (its scope) or viewer (reads only).": "admin 管理员（全部项目和账户）、editor 填报员（其范围内的项目）或 viewer 查看者（只读）。",
    "An editor's county (name, pinyin or code); repeatable, or a list: 江孜,白朗.": "填报员负责的县(区)（名称、拼音或代码）；可重复，或写成列表：江孜,白朗。",
    "市级: with --prefecture, the 市级 works that prefecture's city bureau reports.": "市级：配合 --prefecture，即该市市级单位填报的工程。",
    "With --level 市级: whose 市级 works (拉萨, 日喀则, 昌都); repeatable.": "配合 --level 市级：哪个市的市级工程（拉萨、日喀则、昌都）；可重复。",
    "Create an account. An editor writes only the projects of its offices (the same offices as `report template`); "
    "an admin writes everything and manages accounts; a viewer reads.": "新建账户。填报员只能填报其单位的项目（与 `report template` 的填报单位相同）；管理员可写全部项目并管理账户；查看者只读。",
    "Every account with its role, scope and state (never a password).": "全部账户及其角色、范围和状态（从不显示密码）。",
    "Stop an account from logging in and writing (its history stays).": "停用账户：不能再登录和填报（其记录保留）。",
    "Let a disabled account log in again.": "重新启用已停用的账户。",
    "Give an account a new password (asked twice, or --password-stdin).": "为账户设置新密码（输入两次，或用 --password-stdin）。",
    "Create an account.": "新建账户。",
    "Password": "密码",
    "Repeat the password": "再次输入密码",
    "cancelled; nothing was changed": "已取消，未做任何改动",
    "{name}: {role}, scope {scope}": "{name}：{role}，范围 {scope}",
    "admin": "管理员",
    "editor": "填报员",
    "viewer": "查看者",
    "account created: {account}": "已新建账户 {account}",
    "account {name} disabled": "已停用账户 {name}",
    "account {name} enabled": "已启用账户 {name}",
    "password of {name} changed": "已更改账户 {name} 的密码",
    "no accounts yet": "还没有账户",
    "Address of the HTTPS reverse proxy in front: its X-Forwarded-For and X-Forwarded-Proto are trusted (client "
    "addresses in the audit, Secure cookies).": "前置 HTTPS 反向代理的地址：信任其 X-Forwarded-For 和 X-Forwarded-Proto（审计中的客户端地址、Secure Cookie）。",
    "warning: plain HTTP on {host}: passwords and session cookies would cross the network unencrypted; serve behind "
    "an HTTPS proxy and name it with --proxy": "警告：在 {host} 上以明文 HTTP 提供服务，密码和会话 Cookie 将以不加密的形式在网络上传输；请置于 HTTPS 反向代理之后，并用 --proxy 指明代理地址",
}

# Words shown for an option's or argument's value in help (`--county 县(区)` / `--county COUNTY`).
METAVARS: dict[str, str] = {
    "county": "县(区)",
    "prefecture": "地市",
    "sector": "行业",
    "plan": "规划",
    "column": "专栏号",
    "status": "状态",
    "kind": "类型",
    "search": "文字",
    "text": "文字",
    "sort": "排序",
    "limit": "行数",
    "format": "格式",
    "output": "文件",
    "date": "日期",
    "note": "备注",
    "code": "编号",
    "by": "维度",
    "then": "维度",
    "db": "数据库",
    "path": "路径",
    "host": "地址",
    "port": "端口",
    "workers": "进程数",
    "file": "文件",
    "seed_dir": "目录",
    "directory": "目录",
    "compare": "文件",
    "plan_key": "规划",
    "files": "文件",
    "name": "账户",
    "role": "角色",
    "level": "层级",
    "tier": "层次",
    "columns": "列",
    "count": "计数",
    "light": "颜色",
    "period": "年月",
    "planned_start": "年月",
    "planned_end": "年月",
    "actual_start": "年月",
    "actual_end": "年月",
    "annual_plan": "年份=万元",
    "total_investment": "万元",
    "national_code": "项目代码",
    "responsible_unit": "单位",
    "contact": "联系人",
    "event_id": "记录编号",
    "prefix": "前缀",
    "region": "地市",
    "proxy": "地址",
    "source": "文件",
    "compare_with": "文件",
}


# The library's errors and notes (English, as portfolio/ writes them) -> Chinese. Each {field} stands for
# the text at that place: a quoted value keeps its quotes, a hint is translated by ERROR_PARTS, and a
# field named what/option is a word from ERROR_WORDS. A message no template matches stays English.
ERRORS: dict[str, str] = {
    "unknown sector {value}{hint}; see `portfolio sectors`": "未知的行业 {value}{hint}；见 `portfolio sectors`",
    "{value} names several sectors ({options}); give one of them": "{value} 对应多个行业（{options}）；请给出其中一个",
    "unknown plan {value}{hint}; see `portfolio plans`": "未知的规划 {value}{hint}；见 `portfolio plans`",
    "unknown format {value}; allowed: {allowed}": "未知的格式 {value}；可用：{allowed}",
    "unknown format {value}; allowed: {built_in}, oc4ids, or a tabulate format ({tabulated})": "未知的格式 {value}；"
    "可用：{built_in}、oc4ids，或任一 tabulate 格式（{tabulated}）",
    "unknown sort key {value}; allowed: {allowed}": "未知的排序方式 {value}；可用：{allowed}",
    "unknown summary dimension {value}; allowed: {allowed}": "未知的统计维度 {value}；可用：{allowed}",
    "unknown count {value}; allowed: works (each work once), listings (every item)": "未知的计数方式 {value}；可用：works（每项工程计一次）、listings（每个条目计一次）",
    "unknown tier {value}; allowed: top (part of no programme), leaf (has no parts)": "未知的层级 {value}；可用：top（不属于任何项目群）、leaf（没有组成项目）",
    "unknown light {value}; allowed: red (红), yellow (黄), green (绿)": "未知的预警 {value}；可用：red (红)、yellow (黄)、green (绿)",
    "unknown light {value}; allowed: red (红), yellow (黄), green (绿), unreported (未填报)": "未知的预警 {value}；可用：红、黄、绿、未填报",
    "unknown breakdown {value}; allowed: {allowed}": "未知的分组方式 {value}；可用：{allowed}",
    "bad date {value}: use YYYY-MM-DD": "日期 {value} 有误：请用 YYYY-MM-DD",
    "bad month {value}: use YYYY-MM (e.g. 2025-03)": "月份 {value} 有误：请用 YYYY-MM（如 2025-03）",
    "date {date} is in the future": "日期 {date} 在将来",
    "{option} needs a value (an empty one was given)": "{option} 需要一个值（给出的是空值）",
    "--prefecture needs a value: a prefecture such as 拉萨, 日喀则 or 昌都": "--prefecture 需要一个值：地市，如 拉萨、日喀则 或 昌都",
    "--date needs a value: YYYY-MM-DD (leave --date out for today)": "--date 需要一个值：YYYY-MM-DD（不写 --date 即为今天）",
    "--then {then} is the same as --by: give a different second dimension ({allowed})": "--then {then} 与 --by 相同：请给出另一个维度（{allowed}）",
    "{path} already exists; use --force to overwrite it": "{path} 已存在；用 --force 覆盖",
    "no column {value}; the columns are {allowed}": "没有列 {value}；可用的列：{allowed}",
    "--columns needs at least one column": "--columns 至少需要一列",
    "{value} is a {level} division, not a prefecture": "{value} 是{level}，不是地市",
    "none of the counties given lies in {region}": "给出的县(区)都不在 {region}",
    "note is too long ({n} characters, at most {limit})": "备注太长（{n} 个字符，最多 {limit} 个）",
    "file not found: {path}": "找不到文件：{path}",
    "not a file: {path}": "不是文件：{path}",
    "cannot write {path}: folder {folder} does not exist": "无法写入 {path}：文件夹 {folder} 不存在",
    "database error: {reason}": "数据库错误：{reason}",
    "专栏 {column} of {plan} lists {kind}, not projects; see {see}": "{plan} 的专栏 {column} 列的是{kind}，不是项目；见 {see}",
    "no such 专栏 of projects: {column} in {scope}; its 专栏 of projects: {allowed}": "{scope} 中没有项目专栏 {column}；它的项目专栏：{allowed}",
    "no such 专栏 of projects: {column} in {scope}; see `portfolio columns`": "{scope} 中没有项目专栏 {column}；见 `portfolio columns`",
    "unknown project code {value}{hint}": "未知的项目编号 {value}{hint}",
    "date {date} is before {plan} was issued ({issued}): a status of {code} dates from then on": "日期 {date} 早于 {plan} 的印发日期（{issued}）：{code} 的状态只能从那天起算",
    "unknown {what} {value}{hint}; allowed: {allowed}": "未知的{what} {value}{hint}；可用：{allowed}",
    "unknown {what} {value}{hint}": "未知的{what} {value}{hint}",
    "ambiguous {what} {value}: could be {options}": "{what} {value} 有歧义，可能是：{options}",
    # notes
    "{name} is a prefecture: taken as everything in {place} (for the works whose county the plan does not "
    "give: --county {own}; for the works it places at prefecture level: --level 市级)": "{name} 是地市：按 {place} 全部范围查找（规划未写明县(区)的工程：--county {own}；规划列在市级的工程：--level 市级）",
    "created database {where} and loaded the seed data": "已创建数据库 {where} 并载入种子数据",
    "set up the portfolio tables in {where} and loaded the seed data": "已在 {where} 建立 portfolio 数据表并载入种子数据",
    "{code}: nothing changed (every value given is already recorded)": "{code}：没有改动（给出的值都已记录）",
    "no matching projects (programmes are not exported to OC4IDS)": "没有符合条件的项目（项目群不导出到 OC4IDS）",
    "warning: {message}": "警告：{message}",
    # --- the database and its URL ---
    "unsupported database URL scheme {scheme}: use a file path, sqlite:///PATH or postgresql://USER:PASSWORD@HOST/DB": "不支持的数据库地址类型 {scheme}：请用文件路径、sqlite:///路径 或 postgresql://用户:密码@主机/库名",
    "{url} is an in-memory database, whose contents vanish when the command ends: give a file path or sqlite:///PATH": "{url} 是内存数据库，命令结束后内容即消失：请给出文件路径或 sqlite:///路径",
    "cannot find the home directory in {path}: no such user": "无法确定 {path} 中的用户主目录：没有这个用户",
    "bad port {port} in the database URL: a port is a number (postgresql://USER:PASSWORD@HOST:5432/DB)": "数据库地址中的端口 {port} 有误：端口是数字（postgresql://用户:密码@主机:5432/库名）",
    "bad database URL {url}: {reason}": "数据库地址 {url} 有误：{reason}",
    "no driver for {url}: {reason}": "没有 {url} 的数据库驱动：{reason}",
    "cannot open database {url}: {reason}": "无法打开数据库 {url}：{reason}",
    "cannot migrate {url}: {reason}": "无法升级 {url} 的数据库结构：{reason}",
    "migration left {n} rows with broken foreign keys": "升级后有 {n} 行的外键失效",
    "{url} holds other tables ({tables}) and no portfolio schema: point --db at an empty database, or run "
    "`portfolio db init` to add the portfolio tables beside them": "{url} 中已有其他表（{tables}），但没有 portfolio 的表：请让 --db 指向空数据库，或运行 `portfolio db init` 在其旁建立 portfolio 的表",
    "backup copies SQLite databases; for PostgreSQL use pg_dump (e.g. pg_dump -Fc DB > FILE)": "backup 只复制 SQLite 数据库；PostgreSQL 请用 pg_dump（如 pg_dump -Fc DB > FILE）",
    "the backup file cannot be the database itself": "备份文件不能是数据库本身",
    "cannot write backup {path}: {reason}": "无法写入备份 {path}：{reason}",
    "backed up {database} to {path}": "已将 {database} 备份到 {path}",
    "reset {url}: schema recreated and seeds loaded": "已重置 {url}：重建了数据库结构并载入种子数据",
    "{url} is already set up (schema revision {revision}); nothing changed": "{url} 已经建好（结构版本 {revision}）；未作改动",
    "upgraded {url} from schema revision {before} to {after}": "已将 {url} 的数据库结构从版本 {before} 升级到 {after}",
    "seed directory not found: {path}": "找不到种子目录：{path}",
    "plan {key}: code prefix {prefix} already belongs to plan {owner} in the database; prefixes are never reused "
    "(choose another, or keep the key {kept})": "规划 {key}：编号前缀 {prefix} 在数据库中已属于规划 {owner}；前缀不能重复使用（请换一个，或沿用代号 {kept}）",
    "dry run: nothing was changed": "试运行：未做任何改动",
    "loaded": "已载入",
    "nothing to change: the database already matches the seeds": "无需改动：数据库已与种子数据一致",
    # --- options and output files ---
    "give some text to search for": "请给出要查找的文字",
    "{value}: use table or json": "{value}：请用 table 或 json",
    "--format {asked} does not match {name} (a {fmt} file); change one of them or leave out --format": "--format {asked} 与 {name}（{fmt} 文件）不符；请改其中一个，或不写 --format",
    "--format xlsx needs --output FILE.xlsx": "--format xlsx 需要 --output 文件.xlsx",
    "--format oc4ids is for `projects list`": "--format oc4ids 只用于 `projects list`",
    "cannot tell the format of {path}: use one of {allowed}": "无法判断 {path} 的格式：请用 {allowed} 之一",
    "an OC4IDS package is JSON: name the file .json, not {name}": "OC4IDS 项目包是 JSON：文件名请用 .json，而不是 {name}",
    "a template is an Excel workbook: name the file .xlsx, not {name}": "填报表是 Excel 工作簿：文件名请用 .xlsx，而不是 {name}",
    "say whose sheet it is: --county NAME (repeatable), --level 市级, or --all": "请说明是哪个单位的填报表：--county 县(区)（可重复）、--level 市级 或 --all",
    "--then needs a value: county, prefecture, sector, plan, status, kind or column": "--then 需要一个值：county、prefecture、sector、plan、status、kind 或 column",
    "--then {then} is the same as --by: give a different second dimension (county, prefecture, sector, plan, "
    "status, kind or column)": "--then {then} 与 --by 相同：请给出另一个维度（county、prefecture、sector、plan、status、kind 或 column）",
    "give at least one field to set (see --help)": "请至少给出一个要设置的字段（见 --help）",
    "bad --annual-plan {value}: use YEAR=万元, e.g. 2026=800": "--annual-plan {value} 有误：请写成 年份=万元，如 2026=800",
    "year {year} is out of range for 年度计划投资: give {first} to {last}": "年度计划投资的年份 {year} 超出范围：请给出 {first} 到 {last} 年",
    "{label} {month} is in the future": "{label} {month} 在将来",
    "period {period} has not come yet: give {now} or earlier": "填报期 {period} 尚未到来：请给出 {now} 或更早的月份",
    "unknown facet {value}; allowed: {allowed}": "未知的分面 {value}；可用：{allowed}",
    "{label} has no projects to report (建成 and 取消 projects are left out)": "{label} 没有需要填报的项目（建成和取消的项目不列入）",
    "wrote draft {path}": "已写入草稿 {path}",
    "{path} is not a valid plan file: {message}": "{path} 不是有效的规划文件：{message}",
    # --- project fields (projects set, report sheets) ---
    "bad {what} {value}: give a number in 万元": "{what} {value} 有误：请给出以万元计的数字",
    "bad {what} {value}: must be a number from 0 to {limit} (万元)": "{what} {value} 有误：须为 0 到 {limit} 之间的数（万元）",
    "bad 项目代码 {value}: use 24 characters YYYY-RRRRRR-DD-TT-NNNNNN (GB/T 40058-2021), e.g. "
    "2021-540222-48-01-000001": "项目代码 {value} 有误：应为 24 位的 YYYY-RRRRRR-DD-TT-NNNNNN（GB/T 40058-2021），如 2021-540222-48-01-000001",
    "bad 项目代码 {value}: year {year} is not between {first} and this year": "项目代码 {value} 有误：年份 {year} 不在 {first} 年到今年之间",
    "bad 项目代码 {value}: region {region} is not a known division (GB/T 2260; see `portfolio counties`)": "项目代码 {value} 有误：地区代码 {region} 不是已知的行政区划（GB/T 2260；见 `portfolio counties`）",
    "{label} is too long ({n} characters, at most {limit})": "{label}太长（{n} 个字符，最多 {limit} 个）",
    "too long ({n} characters, at most {limit})": "太长（{n} 个字符，最多 {limit} 个）",
    "{start} {early} is after {end} {late}": "{start} {early} 晚于 {end} {late}",
    "the value of {option} contains a NUL character (at position {n})": "{option} 的值含有空字符（第 {n} 个字符）",
    "the value of {option} contains {char}, which is not a character: a byte that is not UTF-8, or a lone "
    "surrogate (at position {n})": "{option} 的值含有 {char}，它不是字符：不是 UTF-8 的字节，或孤立的代理码（第 {n} 个字符）",
    "{what} contains a NUL character (at position {n})": "{what} 含有空字符（第 {n} 个字符）",
    "the value of {option} contains the control character {char} (at position {n})": "{option} 的值含有控制字符 {char}（第 {n} 个字符）",
    "{what} contains the control character {char} (at position {n})": "{what} 含有控制字符 {char}（第 {n} 个字符）",
    "contains the control character {char} (at position {n})": "含有控制字符 {char}（第 {n} 个字符）",
    "{what} contains {char}, which is not a character: a byte that is not UTF-8, or a lone surrogate (at position {n})": "{what} 含有 {char}，它不是字符：不是 UTF-8 的字节，或孤立的代理码（第 {n} 个字符）",
    # --- status history and events ---
    "bad event id {value}: use the id shown by `projects history` (S12, F3, R7)": "记录编号 {value} 有误：请用 `projects history` 显示的编号（S12、F3、R7）",
    "say why the event is retracted (--note)": "请说明撤销原因（--note）",
    "{code} has no event {event}; see `portfolio projects history {shown}`": "{code} 没有记录 {event}；见 `portfolio projects history {shown}`",
    "event {event} was already retracted ({when})": "记录 {event} 已经撤销（{when}）",
    "{event} is the only status event that counts; record the right status with set-status instead": "{event} 是唯一有效的状态记录；请改用 `projects set-status` 记录正确的状态",
    "{code}: {event} ({what}) retracted; now {now}": "{code}：已撤销 {event}（{what}）；现为 {now}",
    "{code}: already {status} since {when}; nothing recorded": "{code}：自 {when} 起已是{status}，未作记录",
    "{code}: recorded {status} ({when}) in the history; the current status stays {current} (a later event)": "{code}：已在历史中记录{status}（{when}）；当前状态仍为{current}（有更晚的记录）",
    # --- status sheets (status import) ---
    "missing project code": "缺少项目编号",
    "the sheet is empty": "表格是空的",
    "header needs columns {columns} (e.g. code,status,date,note or 项目编号,状态,日期,备注)": "表头缺少列 {columns}（如 项目编号,状态,日期,备注 或 code,status,date,note）",
    "unsupported sheet type {suffix}; use .csv, .tsv or .xlsx": "不支持的表格类型 {suffix}；请用 .csv、.tsv 或 .xlsx",
    "not a readable .xlsx workbook ({error})": "不是可读取的 .xlsx 工作簿（{error}）",
    "not a readable .xls workbook ({error})": "不是可读取的 .xls 工作簿（{error}）",
    "the workbook has no worksheet": "工作簿中没有工作表",
    "more than {n} rows; split the sheet": "超过 {n} 行；请拆分表格",
    # --- report sheets (report import) ---
    "1 problem found; nothing was imported": "发现 1 处问题；未导入任何数据",
    "{n} problems found; nothing was imported": "发现 {n} 处问题；未导入任何数据",
    "unknown report values {names}; allowed: {allowed}": "未知的填报项 {names}；可用：{allowed}",
    "the sheet does not say its period; pass --period YYYY-MM": "表格未注明填报期；请加 --period YYYY-MM",
    "the sheet is for period {period}, not the current period {current}; pass --period {given} to import it": "表格的填报期是 {period}，不是本期 {current}；要导入请加 --period {given}",
    "the sheet is for period {period}, not {other}": "表格的填报期是 {period}，不是 {other}",
    "the sheet is for {office}, not {other}": "表格是{office}的，不是{other}的",
    "empty": "未填写",
    "unknown project {code}": "未知的项目 {code}",
    "{code} is not a project of this sheet's office (pass --county to import it for another office)": "{code} 不是本表填报单位的项目（要按其他单位导入请加 --county）",
    "{code} is not a project of the offices given with --county": "{code} 不是 --county 所给单位的项目",
    "empty; give the date the status changed to {status} (it is never taken to be today)": "未填写；请填写状态变为{status}的日期（不会默认为今天）",
    "{day} is in the future": "{day} 在将来",
    "repeats {where} ({code}); counted once": "与 {where} 重复（{code}）；只计一次",
    "{code} is also on {where} with other values for {period}": "{code} 也在 {where} 中，且 {period} 的数值不同",
    "{amount} is less than {earlier} reported for {period}": "{amount} 小于 {period} 填报的 {earlier}",
    "{amount} is more than {later} reported for {period}": "{amount} 大于 {period} 填报的 {later}",
    "{amount} is not {period}'s {earlier} + 本期 {current}": "{amount} 不等于 {period} 的 {earlier} 加本期 {current}",
    "{amount} is less than 本期 {current}": "{amount} 小于本期 {current}",
    "{amount} is above 总投资 {total} ({code}); check the row": "{amount} 超过总投资 {total}（{code}）；请检查该行",
    "a formula ({formula}) without a saved value; type the date, or open and save the file in Excel": "公式（{formula}）没有保存的值；请直接填写日期，或在 Excel 中打开并保存该文件",
    "not a date: {value} (use a date cell or YYYY-MM-DD)": "不是日期：{value}（请用日期单元格或 YYYY-MM-DD）",
    "bad period {value}: use YYYY-MM (e.g. 2026-11)": "填报期 {value} 有误：请用 YYYY-MM（如 2026-11）",
    "none of the counties given is a {level} office": "给出的县(区)都不是{level}填报单位",
    "no sheet has a header row with 编号 or 项目代码 and the report columns (sheets read: {sheets})": "没有哪个工作表的表头行同时有 编号 或 项目代码 和填报列（已读取的工作表：{sheets}）",
    "cannot decode the file as UTF-8, UTF-16 or GBK": "无法按 UTF-8、UTF-16 或 GBK 解码该文件",
    "cannot decode the file as UTF-8 or GBK": "无法按 UTF-8 或 GBK 解码该文件",
    "unsupported file type {suffix}; use {allowed}": "不支持的文件类型 {suffix}；请用 {allowed}",
    "not a text file (binary data); convert the plan to plain text first": "不是文本文件（二进制数据）；请先把规划转成纯文本",
    "not a text file (binary data)": "不是文本文件（二进制数据）",
    "reading .xls needs the xlrd package": "读取 .xls 需要安装 xlrd 包",
    "malformed text sheet: {error}": "文本表格格式有误：{error}",
    "not a file": "不是文件",
    "file not found": "找不到文件",
    "the file is empty": "文件是空的",
    # --- plan drafts (extract) ---
    "cannot read {path}: {reason}": "无法读取 {path}：{reason}",
    "cannot tell which prefecture the plan covers; give --region": "无法判断规划覆盖哪个地市；请给出 --region",
    "no 专栏 found: the text has no boxed lists to draft from": "没有找到专栏：文本中没有可起草的专栏列表",
    # --- accounts ---
    "the password is too short: at least {n} characters": "密码太短：至少 {n} 个字符",
    "the password is too long: at most {n} characters": "密码太长：最多 {n} 个字符",
    "the password must not be the account name": "密码不能与账户名相同",
    "bad account name {value}: 1 to {n} characters, no spaces and none of : / \\ < > \" ' &": "账户名 {value} 不可用：须为 1 到 {n} 个字符，不含空格，也不含 : / \\ < > \" ' &",
    "unknown role {value}; allowed: admin (管理员), editor (填报员), viewer (查看者)": "未知的角色 {value}；可用：admin（管理员）、editor（填报员）、viewer（查看者）",
    "--level {given}: an editor's scope takes --level 市级 (with --prefecture) or counties (--county)": "--level {given}：填报员的范围只能是 --level 市级（配合 --prefecture）或县(区)（--county）",
    "--prefecture goes with --level 市级 (the prefecture's 市级 works); for its counties use --county": "--prefecture 须配合 --level 市级（该市的市级工程）；该市的县(区)请用 --county",
    "--level 市级 needs --prefecture: whose 市级 works (拉萨, 日喀则, 昌都)?": "--level 市级 需要 --prefecture：哪个市的市级工程（拉萨、日喀则、昌都）？",
    "{codes} is not a county or prefecture": "{codes} 不是县(区)或地市",
    "an editor needs a scope: --county 江孜 (repeatable) and/or --level 市级 --prefecture 日喀则": "填报员需要填报范围：--county 江孜（可重复），和/或 --level 市级 --prefecture 日喀则",
    "an account named {value} exists already": "已有名为 {value} 的账户",
    "no account named {value}; see `portfolio users list`": "没有名为 {value} 的账户；见 `portfolio users list`",
    "account {value} does not exist (any more); nothing was written": "账户 {value} 不存在（或已不存在）；未写入任何数据",
    "account {value} is disabled; nothing was written": "账户 {value} 已停用；未写入任何数据",
    "account {value} is a viewer: it may read but not write; nothing was written": "账户 {value} 是查看者：只能查看，不能填报；未写入任何数据",
    "account {value} may not manage accounts (admins only)": "账户 {value} 不能管理账户（仅限管理员）",
    "only an editor has a scope; an admin writes everything": "只有填报员有填报范围；管理员可以填报全部项目",
    "only an editor has a scope; a viewer writes nothing": "只有填报员有填报范围；查看者不能填报",
    "{value} is not a prefecture (拉萨, 日喀则, 昌都)": "{value} 不是地市（拉萨、日喀则、昌都）",
    "you act as account {value} (named like your {source}); --by cannot record in another name": "你以账户 {value} 的身份操作（与你的{source}同名）；不能用 --by 以其他名义记录",
    "account {value} (editor for {offices}) may not write rows {listed} and {n} more: outside its scope; nothing "
    "was written": "账户 {value}（{offices}的填报员）无权填报 {listed} 及另外 {n} 行：超出其填报范围；未写入任何数据",
    "account {value} (editor for {offices}) may not write {listed} and {n} more: outside its scope; nothing was "
    "written": "账户 {value}（{offices}的填报员）无权填报 {listed} 及另外 {n} 个项目：超出其填报范围；未写入任何数据",
    "account {value} (editor for {offices}) may not write rows {listed}: outside its scope; nothing was written": "账户 {value}（{offices}的填报员）无权填报 {listed}：超出其填报范围；未写入任何数据",
    "account {value} (editor for {offices}) may not write {listed}: outside its scope; nothing was written": "账户 {value}（{offices}的填报员）无权填报 {listed}：超出其填报范围；未写入任何数据",
    # the web pages' messages (accounts, scope, sheets uploaded from the browser)
    "account {value} (editor for {scope}) may not write rows {listed} and {n} more: outside its scope; nothing was written": "账户 {value}（{scope}的填报员）不能填报以下各行：{listed} 等，另有 {n} 行：超出其范围；未写入任何数据",
    "account {value} (editor for {scope}) may not write rows {listed}: outside its scope; nothing was written": "账户 {value}（{scope}的填报员）不能填报以下各行：{listed}：超出其范围；未写入任何数据",
    "account {value} (editor for {scope}) may not write {listed} and {n} more: outside its scope; nothing was written": "账户 {value}（{scope}的填报员）不能填报 {listed} 等，另有 {n} 个项目：超出其范围；未写入任何数据",
    "account {value} (editor for {scope}) may not write {listed}: outside its scope; nothing was written": "账户 {value}（{scope}的填报员）不能填报 {listed}：超出其范围；未写入任何数据",
    "account {value} may not write {code}: outside its scope": "账户 {value} 不能填报 {code}：超出其范围",
    "account {value} is not an admin": "账户 {value} 不是管理员",
    "log in first: writing needs an account": "请先登录：填报需要账户",
    "log in first: this page is for admins": "请先登录：此页面仅供管理员使用",
    "the form has expired or did not come from this site (CSRF token missing or wrong); reload the page and try again": "表单已过期或不是来自本站（CSRF 令牌缺失或有误）；请刷新页面后重试",
    "the two passwords differ": "两次输入的密码不一致",
    "an admin cannot disable the account it is logged in with": "管理员不能停用自己正在使用的账户",
    "bad account name {value}: 1 to {n} characters, no spaces and none of {chars}": "账户名 {value} 有误：1 至 {n} 个字符，不含空格，也不含 {chars}",
    "{code} has no event {event}; see `portfolio projects history {code2}`": "{code} 没有记录 {event}；见 `portfolio projects history {code2}`",
    "bad 项目代码 {value}: use {allowed}": "项目代码 {value} 有误：格式为 {allowed}",
    "unknown report values {keys}; allowed: {allowed}": "未知的填报项 {keys}；可用：{allowed}",
    "{amount} is not {period}'s {previous} + 本期 {this}": "{amount} 不等于 {period} 的 {previous} 加本期 {this}",
    "{amount} is less than 本期 {this}": "{amount} 小于本期 {this}",
    "the sheet is for period {stored}, not the current period {current}; pass --period {again} to import it": "此表的填报期是 {stored}，不是本期 {current}；导入时请用 --period {again}",
    "the sheet is for period {stored}, not {period}": "此表的填报期是 {stored}，不是 {period}",
    "the sheet is for {stored}, not {offices}": "此表属于 {stored}，不属于 {offices}",
    "{n} problem found; nothing was imported": "发现 {n} 个问题；未导入任何数据",
    "not a readable .xlsx workbook ({reason})": "不是可读取的 .xlsx 工作簿（{reason}）",
    "not a readable .xls workbook ({reason})": "不是可读取的 .xls 工作簿（{reason}）",
    "malformed text sheet: {reason}": "文本表格格式有误：{reason}",
    "choose the filled-in sheet to upload (.xlsx .xls .csv .tsv .txt)": "请选择要上传的填报表（.xlsx .xls .csv .tsv .txt）",
    "the file is larger than {n} MB; is it the fill-in sheet?": "文件大于 {n} MB；是填报表吗？",
}
# The diagnostics of `portfolio seed check` (portfolio/seeding.py), after their file:line. Field and key
# names of the seed files (code, quote, part_of …) stay as written in the files.
SEED_ERRORS: dict[str, str] = {
    "ok: {plans} plans, {projects} projects and programmes, {indicators} indicators, {places} places, "
    "{divisions} divisions, {sectors} sectors": "检查通过：{plans} 个规划、{projects} 个项目和项目群、{indicators} 个指标、"
    "{places} 个城镇、{divisions} 个行政区划、{sectors} 个行业",
    "aliases (*name) are not allowed in seed files: write the value out": "种子文件中不能用别名（`*name`）：请把值写出来",
    "nested more than {n} levels deep": "嵌套超过 {n} 层",
    "not UTF-8 text (byte {n})": "不是 UTF-8 文本（第 {n} 个字节）",
    "cannot read: {reason}": "无法读取：{reason}",
    "bad YAML: {message}": "YAML 格式有误：{message}",
    "a {kind} cannot be a key": "{kind}不能作键",
    "duplicate key {value}": "键 {value} 重复",
    "impossible {what} {shown}: {reason}": "不存在的{what} {shown}：{reason}",
    "missing columns: {columns}": "缺少列：{columns}",
    "malformed CSV: {error} (an unbalanced quote?)": "CSV 格式有误：{error}（引号不成对？）",
    "cannot read CSV: {error}": "无法读取 CSV：{error}",
    "a quoted field runs on to line {n} (an unbalanced quote?)": "带引号的字段一直延续到第 {n} 行（引号不成对？）",
    "{n} fields, but the header has {m}": "有 {n} 个字段，但表头有 {m} 个",
    "no plan files (*.yaml) found": "没有找到规划文件 (*.yaml)",
    "code and name are required": "`code` 和 `name` 必填",
    "code and label_zh are required": "`code` 和 `label_zh` 必填",
    "duplicate division code {code}": "行政区划代码 {code} 重复",
    "unknown parent code {code}": "未知的上级代码 {code}",
    "division {code} is its own parent": "行政区划 {code} 的上级是它自己",
    "division {code} is its own ancestor ({loop})": "行政区划 {code} 是它自己的上级（{loop}）",
    "duplicate sector code {code}": "行业代码 {code} 重复",
    "{name} {shown} is out of range (at most {bound})": "{name} {shown} 超出范围（最大 {bound}）",
    "review marker left from a draft: check the item, then remove the `review:` line": "草稿留下的复核标记：核对该条目后删除 `review:` 行",
    "TODO left in a seed file: fill it in": "种子文件中留有 TODO：请填写",
    "unknown field {value} in {what}{hint}": "{what}中有未知字段 {value}{hint}",
    "{what}: missing required field {value}": "{what}：缺少必填字段 {value}",
    "{key} must be {what}, not {kind} {shown}": "{key} 应为{what}，而不是{kind} {shown}",
    "'{key}' must be a list of {what}s, not {kind} {shown}": "'{key}' 应为{what}列表，而不是{kind} {shown}",
    "each entry of '{key}' must be a {what} (a mapping), not {kind} {shown}": "'{key}' 的每一项都应为{what}（映射），而不是{kind} {shown}",
    "bad code {value}: expected the form {example}": "编号 {value} 有误：格式应为 {example}",
    "duplicate code {code} (first used at {where})": "编号 {code} 重复（首次用于 {where}）",
    "empty file: a plan file needs a 'plan:' mapping and a 'columns:' list": "空文件：规划文件需要 `plan:` 映射和 `columns:` 列表",
    "a plan file needs a 'plan:' mapping and a 'columns:' list": "规划文件需要 `plan:` 映射和 `columns:` 列表",
    "duplicate plan key {key}": "规划代号 {key} 重复",
    "period must be [start year, end year], not {shown}": "`period` 应为 [起始年, 结束年]，而不是 {shown}",
    "issued must be a date (YYYY-MM-DD), not {shown}": "`issued` 应为日期（YYYY-MM-DD），而不是 {shown}",
    "unknown document_kind {value}; allowed: {allowed}": "未知的 `document_kind` {value}；可用：{allowed}",
    "column number must be a unique whole number, not {shown}": "专栏的 `number` 应为不重复的整数，而不是 {shown}",
    "unknown column kind {value}; allowed: {allowed}": "未知的专栏 `kind` {value}；可用：{allowed}",
    "code {code} does not belong to 专栏 {number} of {plan} (expected {expected})": "编号 {code} 不属于 {plan} 的专栏 {number}（应为 {expected}）",
    "quote must be the plan's words on one line, not {shown}": "`quote` 应为规划原文中的一行，而不是 {shown}",
    "quote is {n} characters long; trim it to the item's clause (at most {limit})": "`quote` 有 {n} 个字符；请只保留该条目的分句（最多 {limit} 个）",
    "duplicate place {name} in {scope} (first listed at {where})": "{scope}中的城镇 {name} 重复（首次列于 {where}）",
    "line must be a positive line number, not {shown}": "`line` 应为正整数行号，而不是 {shown}",
    "{old} is retired: name the county where the work stands, or write {new} if the plan does not say; a "
    "prefecture-level work also takes level: 市级": "{old} 已停用：请写工程所在的县(区)，规划未写明时写 `{new}`；市级工程另加 `level: 市级`",
    "a links file needs 'part_of:' and/or 'same_work:' lists": "关联文件需要 `part_of:` 和/或 `same_work:` 列表",
    "links file named after no plan: {value}; known plans: {known}": "关联文件的文件名不是任何规划的代号：{value}；已有规划：{known}",
    "{members} must be a list of item codes, not {shown}": "{members} 应为条目编号列表，而不是 {shown}",
    "an indicator file needs 'plan:' (a plan key) and 'tables:'": "指标文件需要 `plan:`（规划代号）和 `tables:`",
    "unknown plan {value}; known plans: {known}": "未知的规划 {value}；已有规划：{known}",
    "column must be a 专栏 number, not {shown}": "`column` 应为专栏编号，而不是 {shown}",
    "unknown item code {code}{hint}": "未知的条目编号 {code}{hint}",
    "{code} is linked to itself": "{code} 关联到了自己",
    "{code} is a whole but not a programme (kind: {kind}); only a programme contains other items": "{code} 被当作整体，但它不是项目群（类型：{kind}）；只有项目群包含其他条目",
    "{code} is listed twice as a part of {whole}": "{code} 两次被列为 {whole} 的组成部分",
    "{code} is also a part of {wholes}: an item is a part of one whole, unless the reason of each entry says why "
    "and names the other whole": "{code} 也是 {wholes} 的组成部分：一个条目只属于一个整体，除非每条的 `reason` 说明原因并写出另一个整体",
    "part_of cycle: {cycle}": "`part_of` 成环：{cycle}",
    "{code} is already in the same_work group of {first} ({where}); a code belongs to one group: merge them": "{code} 已在 {first} 的 `same_work` 组中（{where}）；一个编号只能属于一组：请合并",
    # what PyYAML says after `bad YAML:`
    "mapping values are not allowed in this context": "此处不能有映射值（冒号后缺空格，或缩进有误？）",
    "mapping values are not allowed here": "此处不能有映射值（冒号后缺空格，或缩进有误？）",
    "found character that cannot start any token": "有不能作为开头的字符（如制表符：请用空格缩进）",
    "found undefined alias": "引用了未定义的别名",
    "found unexpected end of stream": "文件意外结束（引号或括号不成对？）",
    "but found another document": "文件中有第二个文档（---）；一个种子文件只能有一个",
    "did not find expected key": "没有找到预期的键（缩进有误？）",
    "did not find expected {token}": "没有找到预期的 {token}",
    "could not determine a constructor for the tag {tag}": "不支持的标签 {tag}",
}
# Endings added to a message that translates on its own.
ERROR_SUFFIXES: dict[str, str] = {
    " (and 1 more problem)": "（另有 1 处问题）",
    " (and {n} more problems)": "（另有 {n} 处问题）",
    " (and 1 more problem; run `portfolio seed check`)": "（另有 1 处问题；运行 `portfolio seed check` 查看全部）",
    " (and {n} more problems; run `portfolio seed check`)": "（另有 {n} 处问题；运行 `portfolio seed check` 查看全部）",
}
# What the operating system says about a file (OSError.strerror), before ": path".
OS_ERRORS: dict[str, str] = {
    "No such file or directory": "没有这个文件或文件夹",
    "Permission denied": "没有权限",
    "Is a directory": "这是文件夹",
    "Not a directory": "不是文件夹",
    "No space left on device": "磁盘空间不足",
    "Read-only file system": "文件系统只读",
    "File exists": "文件已存在",
    "File name too long": "文件名太长",
    "Disk quota exceeded": "超出磁盘配额",
}
ERRORS.update({f"{english}: {{path}}": f"{chinese}：{{path}}" for english, chinese in OS_ERRORS.items()})
ERRORS.update(SEED_ERRORS)
ERROR_PARTS: dict[str, str] = {
    " (did you mean {options}?)": "（是否要找 {options}？）",
}
ERROR_WORDS: dict[str, str] = {
    "county": "县(区)",
    "status": "状态",
    "construction type": "建设性质",
    "kind": "类型",
    "level": "级别",
    "prefecture": "地市",
    "sector": "行业",
    "division": "行政区划",
    "places": "城镇",
    "indicators": "指标",
    "any plan": "任何规划",
    "amount": "金额",
    "the password": "密码",
    "the account name": "账户名",
    "the project code": "项目编号",
    "the note": "备注",
    "the database path or URL": "数据库路径或地址",
    "code": "项目编号",
    "date": "日期",
    "database role": "数据库角色",
    "system user": "系统用户",
    "(none)": "（无扩展名）",
    "none": "无",
    **OS_ERRORS,
    # seed files: what a value should be, and what it was (`not a list`)
    "plan file": "规划文件",
    "plan": "规划",
    "column": "专栏",
    "group": "分组",
    "item": "条目",
    "place": "城镇",
    "links file": "关联文件",
    "part_of": "`part_of` 条目",
    "same_work": "`same_work` 条目",
    "part_of entry": "`part_of` 条目",
    "same_work entry": "`same_work` 条目",
    "indicator file": "指标文件",
    "table": "指标表",
    "indicator row": "指标行",
    "text": "文字",
    "number": "数字",
    "a sector code": "行业代码",
    "a county name or code": "县(区)名称或代码",
    "an item code": "条目编号",
    "this column": "本专栏",
    "a mapping": "映射",
    "a list": "列表",
    "a boolean": "布尔值",
    "a int": "整数",
    "a float": "小数",
    "a str": "文字",
    "a date": "日期",
    "a datetime": "日期时间",
    "a NoneType": "空值",
    "list": "列表",
    "dict": "映射",
    "project": "项目",
    "programme": "项目群",
    "month must be in 1..12": "月份须在 1 到 12 之间",
    "day is out of range for month": "该月没有这一天",
}
# Fields that may hold ": " (a message, or a driver's reason); other fields never do, so that a
# location before ": " is never taken for a value.
OPEN_FIELDS = {"message", "reason", "error", "listed", "shown"}  # shown: repr() of any value (a list, a mapping)
# Fields whose text is a word of ERROR_WORDS (`unknown {what}`), translated on its own.
WORD_FIELDS = {"what", "level", "kind", "scope", "source", "suffix", "before", "sheets", "reason"}


_FIELD = re.compile(r"\{(\w+)\}")
# A value as repr() writes it: 'text' or "text" (cut short with …), or a number or boolean a sheet's cell held (-5, 1.5, True, nan).
_QUOTED = r"(?P<%s>'(?:[^'\\]|\\.)*['…]|\"(?:[^\"\\]|\\.)*[\"…]|-?\d[\d.e+-]*|-?inf|nan|True|False)"


@functools.cache
def _template_pattern(template: str) -> re.Pattern:
    fields = _FIELD.split(template)
    parts = []
    for index, piece in enumerate(fields):
        if index % 2 == 0:
            parts.append(re.escape(piece))
        elif piece == "value":
            parts.append(_QUOTED % piece)
        elif piece == "hint":
            parts.append(r"(?P<hint>(?: \(did you mean .*?\?\))?)")
        elif piece in OPEN_FIELDS:
            parts.append(rf"(?P<{piece}>.+?)")
        else:  # a value, not a location and its message: `{day} is in the future` is not `a.csv:3: …`
            parts.append(rf"(?P<{piece}>(?:(?!: ).)+?)")
    return re.compile("".join(parts), re.DOTALL)


@functools.cache
def _most_specific_first() -> list[tuple[str, str]]:
    """The templates, those with the most fixed text first: `unknown role {value}; allowed: admin …`
    before `unknown {what} {value}{hint}; allowed: {allowed}`."""
    templates = [*ERRORS.items(), *ERROR_PARTS.items()]
    return sorted(templates, key=lambda item: -len(_FIELD.sub("", item[0])))


@functools.cache
def _suffix_pattern(template: str) -> re.Pattern:
    return re.compile("(?P<message>.+?)" + _template_pattern(template).pattern, re.DOTALL)


# What the web API's request checks (pydantic) find, by error type; {fields} come from the error's context.
VALIDATION_ERRORS: dict[str, str] = {
    "missing": "缺少此项",
    "extra_forbidden": "不接受此项",
    "json_invalid": "不是有效的 JSON",
    "json_type": "须为 JSON",
    "model_type": "须为 JSON 对象",
    "model_attributes_type": "须为 JSON 对象",
    "dict_type": "须为 JSON 对象",
    "list_type": "须为列表",
    "string_type": "须为文字",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_type": "须为数字",
    "float_parsing": "须为数字",
    "bool_type": "须为 true 或 false",
    "bool_parsing": "须为 true 或 false",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "须小于 {lt}",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "date_type": "须为日期 YYYY-MM-DD",
    "date_parsing": "须为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "须为日期 YYYY-MM-DD",
    "date_from_datetime_inexact": "须为日期 YYYY-MM-DD",
    "literal_error": "须为 {expected} 之一",
    "enum": "须为 {expected} 之一",
}


def validation_problem(error: dict) -> tuple[str, str]:
    """One problem pydantic found in a web request: (English, Chinese), each `where: what`.

    `where` is the parameter or JSON key (as the client sent it); the request body itself when
    there is none (a body that is not JSON, or not an object)."""
    where = "" if error["type"] == "json_invalid" else ".".join(str(part) for part in error["loc"][1:])
    try:
        chinese = VALIDATION_ERRORS[error["type"]].format(**error.get("ctx", {}))
    except KeyError:  # a check without its Chinese, or a context without the field: the English stays in error_en
        chinese = "值有误"
    return f"{where or 'body'}: {error['msg']}", f"{where or '请求体'}：{chinese}"


def translate_message(message: str, language_code: str | None = None) -> str:
    """A library error or note in the user's language: Chinese through ERRORS when the locale is Chinese
    (or `language_code` is "zh", as on the web pages)."""
    if (language_code or language()) != "zh":
        return message
    return _translated(message) or message


def _translated(message: str) -> str | None:
    """The Chinese of a message, or None when no template knows it.

    Tried in turn: a whole template (ERRORS, ERROR_PARTS); a known ending (ERROR_SUFFIXES: "(and 3
    more problems)") after a message that translates; a location before ": " (a file, file:row, a
    sheet's column such as 状态日期, a project code) followed by a message that translates.
    """
    for english, chinese in _most_specific_first():
        found = _template_pattern(english).fullmatch(message)
        if found:
            fields = {name: _translate_field(name, text) for name, text in found.groupdict().items()}
            if None not in fields.values():
                return chinese.format(**fields)
    for english, chinese in ERROR_SUFFIXES.items():
        found = _suffix_pattern(english).fullmatch(message)
        if found:
            head = _translated(found.group("message"))
            if head is not None:
                rest = {k: v for k, v in found.groupdict().items() if k != "message"}
                return head + chinese.format(**rest)
    start = 0
    while (colon := message.find(": ", start)) > 0:
        where, remainder = message[:colon], message[colon + 2 :]
        if _is_location(where):
            translated = _translated(remainder)
            if translated is not None:
                return f"{where}: {translated}"
        start = colon + 2
    return None


_ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,} +[A-Za-z]{2,}")


def _is_location(text: str) -> bool:
    """A file (and row), a sheet's column or a project code: no English words, and a path sign, a
    digit or a Chinese character (`a.csv:3`, `江孜.xlsx:调度表:5`, `状态日期`, `CD14-05-009`)."""
    if _ENGLISH_PHRASE.search(text):
        return False
    return bool(re.search(r"[/\\.:\d]|[^\x00-\x7f]", text))


def _translate_field(name: str, text: str) -> str | None:
    if name == "hint":
        return (_translated(text) or text) if text else ""
    if name in WORD_FIELDS:
        return ERROR_WORDS.get(text, text)
    if name == "message":  # a message inside a message (a warning, a sheet's problem)
        return _translated(text) or text
    return text


def language() -> str:
    """`zh` or `en`."""
    chosen = os.environ.get("PORTFOLIO_LANG", "").strip().lower()
    if chosen:
        return "zh" if chosen.startswith("zh") else "en"
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def t(message: str, /, **fields: object) -> str:
    """The message in the user's language, its {fields} filled in."""
    text = CATALOGUE.get(message, message) if language() == "zh" else message
    return text.format(**fields) if fields else text


def plural(n: int, singular: str, plural_form: str, /, **fields: object) -> str:
    """`1 update`, `2 updates` (Chinese: one form, catalogued under the singular)."""
    if language() == "zh":
        return t(singular, n=n, **fields)
    return (singular if n == 1 else plural_form).format(n=n, **fields)


def metavar(name: str) -> str:
    """The word for a value in help: 县(区) in Chinese, COUNTY in English."""
    key = name.strip("-").replace("-", "_").lower()
    if language() == "zh" and key in METAVARS:
        return METAVARS[key]
    return key.upper()
