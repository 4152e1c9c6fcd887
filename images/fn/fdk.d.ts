declare module "@fnproject/fdk";
