-- The language a site's people read (notifications to them, in zh-CN or en); NULL: the platform's
-- FM_LANG. An estate run by an English-speaking operator in a Chinese-speaking company, or the reverse.
ALTER TABLE sites ADD COLUMN lang text CHECK (lang IN ('zh-CN', 'en'));
