<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title><?cs var:Page.title ?> - Webmail Admin</title>
<link rel="stylesheet" href="/static/admin.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<p class="brand"><a href="<?cs var:Page.base ?>/">Secure Webmail Admin</a></p>
<?cs if:Page.admin ?>
<?cs if:subcount(Menu) > 0 ?>
<nav class="menu" aria-label="Main">
<ul>
<?cs each:m = Menu ?><li><a href="<?cs var:m.path ?>"<?cs if:m.current ?> aria-current="page"<?cs /if ?>><?cs var:m.label ?></a></li>
<?cs /each ?></ul>
</nav>
<?cs /if ?>
<form class="logout" method="post" action="<?cs var:Page.base ?>/logout">
<input type="hidden" name="csrf" value="<?cs var:Page.csrf ?>">
<span class="who"><?cs var:Page.admin ?></span>
<button type="submit">Log out</button>
</form>
<?cs /if ?>
</header>
<?cs if:subcount(Sub) > 0 ?>
<nav class="sub" aria-label="Section">
<ul>
<?cs each:s = Sub ?><li><a href="<?cs var:s.path ?>"<?cs if:s.current ?> aria-current="page"<?cs /if ?>><?cs var:s.label ?></a></li>
<?cs /each ?></ul>
</nav>
<?cs /if ?>
<main id="main">
<h1><?cs var:Page.title ?></h1>
<?cs if:Page.explain ?><p class="explain"><?cs var:Page.explain ?></p><?cs /if ?>
<?cs if:Page.error ?><p class="error" role="alert"><?cs var:Page.error ?></p><?cs /if ?>
<?cs if:Page.notice ?><p class="notice" role="status"><?cs var:Page.notice ?></p><?cs /if ?>
